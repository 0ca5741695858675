"""Every round's masks stored with a run's records, and the later measures filled in from them."""

import json

import numpy as np
import pytest
from ramanujan_lth import export, stored_masks
from ramanujan_lth.storage.runs import RunParams, load_run, run


def nested(seed=0, rounds=4, shape=(30, 20)):
    rng = np.random.default_rng(seed)
    m = np.ones(shape, bool)
    out = {}
    for t in range(rounds):
        out[t] = {"a": m.copy(), "b": m[:5].copy()}
        m = m & (rng.random(shape) > 0.3)
    return out


def test_encode_decode_round_trip():
    masks = nested()
    back = stored_masks.decode(stored_masks.encode(masks))
    assert sorted(back) == [0, 1, 2, 3]
    for t in masks:
        for layer in ("a", "b"):
            assert np.array_equal(back[t][layer], masks[t][layer])


def test_masks_must_be_nested_and_complete():
    masks = nested()
    masks[2]["a"][0, 0], masks[1]["a"][0, 0] = True, False
    with pytest.raises(ValueError, match="nested"):
        stored_masks.encode(masks)
    with pytest.raises(ValueError, match="rounds"):
        stored_masks.encode({0: nested()[0], 2: nested()[2]})


def test_export_stores_every_rounds_mask_and_fills_missing_measures(mnist, tmp_path):
    res = run(
        RunParams(rounds=3, iterations=20, n_train=600, n_test=300, noise_sigmas=()),
        runs_dir=tmp_path / "runs",
        data=mnist,
        progress=False,
    )
    # a run recorded before the later measures existed: drop them from its records
    records_file = res.folder / "records.json"
    stored = json.loads(records_file.read_text())
    for rec in stored["records"]:
        for row in rec["spectral"]:
            for f in ("r", "imdb", "narc", "spectral_gap"):
                row.pop(f)
    records_file.write_text(json.dumps(stored))
    dest = export.export_run(load_run(res.folder), tmp_path / "book")
    masks = stored_masks.read(dest)
    assert sorted(masks) == [0, 1, 2, 3]
    for rec in res.records:
        for layer, kept in rec["remaining"].items():
            assert int(masks[rec["round"]][layer].sum()) == kept
    exported = json.loads((dest / "records.json").read_text())["records"]
    assert len(exported) == len(res.records) == 4
    for new, orig in zip(exported, res.records):  # backfilled = what the run itself recorded
        assert len(new["spectral"]) == len(orig["spectral"]) > 0
        for a, b in zip(new["spectral"], orig["spectral"]):
            for f in ("r", "imdb", "narc", "spectral_gap"):
                assert a[f] == pytest.approx(b[f], rel=1e-12, nan_ok=True)
    packed_bits = 4 * (784 * 300 + 300 * 100 + 100 * 10) / 8  # four rounds, one bit a weight
    assert (dest / stored_masks.MASKS_FILE).stat().st_size < packed_bits  # smaller than bit-packing each round
    assert not (dest / "checkpoint.pt").exists()
