"""The spectral report of any network (``analyse``), its mask file and its command line."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from ramanujan_lth import analyse, checkpoints, mask_file, network_spectra, stored_masks
from ramanujan_lth.__main__ import main
from ramanujan_lth.networks.models import build_model
from torch import nn
from torch.nn.utils import prune

RESULTS = Path(__file__).resolve().parents[1] / "book" / "results"
SAME = [
    "n_left",
    "n_right",
    "edges",
    "density",
    "t1",
    "t2",
    "eb",
    "db",
    "delta_s",
    "delta_r",
    "ramanujan",
    "r",
    "imdb",
    "narc",
]


def _stored(prefix: str) -> Path:
    found = sorted(p for p in RESULTS.glob(f"{prefix}*") if stored_masks.has_masks(p))
    assert found, f"no stored run {prefix}*"
    return found[0]


@pytest.mark.parametrize(
    "model, prefix, round",
    [
        ("lenet_300_100", "lenet_300_100-mnist-magnitude-layerwise-s0", 8),
        ("conv4", "conv4-cifar10-magnitude-layerwise-s0", 6),
    ],
)
def test_rows_equal_the_books_report_and_its_stored_records(model, prefix, round):
    import json

    folder = _stored(prefix)
    masks = mask_file.from_run(folder, round)
    net = build_model(model, seed=0)
    table = analyse.network(net, masks)
    book = network_spectra.layer_report(
        net, {k.removesuffix(".weight"): v.astype(np.float32) for k, v in masks.items()}
    )
    assert list(table["layer"]) == [f"{n}.weight" for n in book["layer"]]
    for col in SAME:
        np.testing.assert_array_equal(table[col].to_numpy(), book[col].to_numpy(), err_msg=col)
    weighted = network_spectra.layer_report(
        net, {k.removesuffix(".weight"): v for k, v in masks.items()}, graph="weighted"
    )
    np.testing.assert_allclose(table["weighted_gap"], weighted["spectral_gap"], rtol=1e-12)
    # and the numbers the training run recorded for that round
    rec = json.loads((folder / "records.json").read_text())["records"][round]
    stored = {row["layer"]: row for row in rec["spectral"] if row["graph"] == "unweighted"}
    for _, row in table.iterrows():
        s = stored[row["layer"].removesuffix(".weight")]
        assert row["edges"] == s["edges"]
        assert row["t2"] == pytest.approx(s["t2"], rel=1e-7)
        assert bool(row["ramanujan"]) == s["ramanujan"]


def test_a_1x1_convolution_is_the_graph_of_its_channels():
    # B = I + P (P the cyclic shift) is the 8-cycle: singular values |1 + w^k| = 2, sqrt 2, 0, sqrt 2
    conv = nn.Conv2d(4, 4, kernel_size=1, bias=False)
    B = np.eye(4) + np.roll(np.eye(4), 1, axis=1)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(B.T, dtype=torch.float32).reshape(4, 4, 1, 1))
    row = analyse.network(nn.Sequential(conv)).iloc[0]
    assert (row["kind"], row["n_left"], row["n_right"], row["edges"]) == ("conv2d", 4, 4, 8)
    assert row["t1"] == pytest.approx(2.0)
    assert row["t2"] == pytest.approx(math.sqrt(2))
    assert row["eb"] == pytest.approx(2.0) and row["db"] == pytest.approx(2.0)
    assert row["delta_s"] == pytest.approx(math.sqrt(2) - 1)
    assert math.isnan(row["r"])  # degree 2 < 3
    assert "r: an average degree below 3" in row["undefined"]


def test_a_grouped_convolution_is_the_union_of_its_groups_blocks():
    torch.manual_seed(0)
    conv = nn.Conv1d(4, 6, kernel_size=3, groups=2, bias=False)
    mask = (torch.rand(6, 2, 3) < 0.7).float()
    with torch.no_grad():
        conv.weight.mul_(mask)
    row = analyse.network(nn.Sequential(conv), {"0.weight": mask}).iloc[0]
    # by hand: outputs 0-2 read inputs 0-1 (left vertices 0-5), outputs 3-5 read inputs 2-3 (left 6-11)
    B = np.zeros((12, 6))
    B[:6, :3] = mask[:3].reshape(3, 6).numpy().T
    B[6:, 3:] = mask[3:].reshape(3, 6).numpy().T
    s = np.linalg.svd(B, compute_uv=False)
    assert (row["kind"], row["n_left"], row["n_right"], row["edges"]) == ("conv1d", 12, 6, int(mask.sum()))
    assert row["t1"] == pytest.approx(s[0])
    assert row["t2"] == pytest.approx(s[s < s[0] * (1 - 1e-9)][0])
    assert row["note"].startswith("2 groups")


def test_depthwise_equal_blocks_have_no_second_value():
    # 3 channels, each one input channel x 2 taps -> 3 equal stars K_{2,1}: sigma = sqrt 2 three times, t2 = 0
    conv = nn.Conv1d(3, 3, kernel_size=2, groups=3, bias=False)
    nn.init.ones_(conv.weight)
    row = analyse.network(nn.Sequential(conv)).iloc[0]
    assert (row["n_left"], row["n_right"]) == (6, 3)
    assert row["t1"] == pytest.approx(math.sqrt(2)) and row["t2"] == 0.0
    assert row["delta_s"] == math.inf and bool(row["ramanujan"])


def test_attention_splits_q_k_v_and_keeps_out_proj():
    attn = nn.MultiheadAttention(embed_dim=4, num_heads=2)
    mask = torch.zeros(12, 4)
    mask[:4] = 1.0  # q: the complete K_{4,4}; k, v empty
    table = analyse.network(nn.Sequential(attn), {"0.in_proj_weight": mask})
    assert list(table["layer"]) == [
        "0.in_proj_weight[q]",
        "0.in_proj_weight[k]",
        "0.in_proj_weight[v]",
        "0.out_proj.weight",
    ]
    assert list(table["kind"]) == ["attention q", "attention k", "attention v", "attention out"]
    q, k = table.iloc[0], table.iloc[1]
    assert q["t1"] == pytest.approx(4.0) and q["t2"] == 0.0 and q["edges"] == 16
    assert k["edges"] == 0 and not k["ramanujan"] and "empty layer" in k["undefined"]
    assert table.iloc[3]["edges"] == 16  # out_proj unpruned: its non-zeros


def test_a_fully_pruned_layer_is_not_ramanujan_and_says_why():
    net = nn.Sequential(nn.Linear(20, 12), nn.Linear(12, 10))
    table = analyse.network(net, {"1.weight": torch.zeros(10, 12)})
    row = table.iloc[1]
    assert row["edges"] == 0 and row["density"] == 0.0 and not row["ramanujan"]
    assert math.isnan(row["delta_s"]) and math.isnan(row["weighted_gap"])
    assert row["undefined"].startswith("empty layer")
    assert table.attrs["regime"] == "partially" and table.attrs["share"] == 0.5


def test_regime_over_named_layers_and_skipped_small_ones():
    net = nn.Sequential(nn.Linear(20, 12), nn.Linear(12, 3))
    table = analyse.network(net)
    assert table.attrs["studied"] == ["0.weight"] and table.attrs["skipped"] == ["1.weight"]
    assert table.attrs["regime"] == "fully"
    assert analyse.summary(table, ["1.weight"])["studied"] == ["1.weight"]
    with pytest.raises(ValueError, match="unknown layers"):
        analyse.summary(table, ["2.weight"])


def _pruned_resnet_like():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 1), nn.Flatten(), nn.Linear(16 * 30 * 30, 10))
    params = [(m, "weight") for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=0.8)
    return net


def test_prune_buffers_the_mask_file_and_a_checkpoint_give_the_same_table(tmp_path):
    net = _pruned_resnet_like()
    from_buffers = analyse.network(net)
    path = mask_file.write(tmp_path / "net.mask.npz", mask_file.of_model(net))
    masks = mask_file.read(path)
    assert sorted(masks) == ["0.weight", "2.weight", "4.weight"] and masks["0.weight"].dtype == bool
    # the masks applied to a clean copy of the trained weights, by the helper
    clean = nn.Sequential(
        nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 1), nn.Flatten(), nn.Linear(16 * 30 * 30, 10)
    )
    with torch.no_grad():
        for name, p in clean.named_parameters():
            mod, _, attr = name.rpartition(".")
            source = net.get_submodule(mod)
            p.copy_(getattr(source, f"{attr}_orig", getattr(source, attr)))
    from_file = analyse.network(mask_file.apply(clean, masks))
    # a checkpoint with prune's _orig / _mask names, loaded into a fresh architecture
    torch.save(net.state_dict(), tmp_path / "ckpt.pt")
    fresh = nn.Sequential(
        nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 1), nn.Flatten(), nn.Linear(16 * 30 * 30, 10)
    )
    model, found = checkpoints.load(tmp_path / "ckpt.pt", fresh)
    from_ckpt = analyse.network(model, found)
    for other in (from_file, from_ckpt):
        for col in SAME + ["weighted_gap"]:
            np.testing.assert_array_equal(from_buffers[col].to_numpy(), other[col].to_numpy(), err_msg=col)


def test_masks_alone_leave_the_weighted_gap_empty_and_split_attention():
    table = analyse.masks({"a.in_proj_weight": np.ones((12, 4)), "fc.weight": np.eye(10)})
    assert list(table["layer"]) == ["a.in_proj_weight[q]", "a.in_proj_weight[k]", "a.in_proj_weight[v]", "fc.weight"]
    assert table["weighted_gap"].isna().all()
    assert all("no trained weights" in u for u in table["undefined"])


def test_bad_masks_are_refused():
    net = nn.Sequential(nn.Linear(4, 3))
    with pytest.raises(ValueError, match=r"mask '0.weight' has shape \(4, 3\), the weight \(3, 4\)"):
        analyse.network(net, {"0.weight": np.ones((4, 3))})
    with pytest.raises(ValueError, match="match no prunable weight"):
        analyse.network(net, {"1.weight": np.ones((3, 4))})
    with pytest.raises(ValueError, match="only 0 and 1"):
        analyse.network(net, {"0.weight": np.full((3, 4), 0.5)})
    with pytest.raises(ValueError, match=r"ends in \.mask\.npz"):
        mask_file.write("masks.npz", {"0.weight": np.ones((3, 4))})


def _one_line_error(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2
    assert len(err) == 1 and err[0].startswith("ramanujan_lth: error:"), err
    return err[0]


def test_command_line_refuses_bad_input_in_one_line(tmp_path, capsys):
    net = build_model("lenet_300_100", seed=0)
    torch.save(net.state_dict(), tmp_path / "lenet.pt")
    torch.save(net, tmp_path / "whole.pt")
    mask_file.write(tmp_path / "wrong.mask.npz", {"fc1.weight": np.ones((784, 300))})
    spec = "ramanujan_lth:lenet_300_100"
    assert "shape (784, 300)" in _one_line_error(
        capsys, ["analyse", str(tmp_path / "lenet.pt"), "--model", spec, "--masks", str(tmp_path / "wrong.mask.npz")]
    )
    assert "--trust-pickle" in _one_line_error(capsys, ["analyse", str(tmp_path / "whole.pt"), "--model", spec])
    assert "no model 'lenet300'" in _one_line_error(
        capsys, ["analyse", str(tmp_path / "lenet.pt"), "--model", "ramanujan_lth:lenet300"]
    )
    (tmp_path / "notes.txt").write_text("not a checkpoint")
    assert "not a PyTorch checkpoint" in _one_line_error(
        capsys, ["analyse", str(tmp_path / "notes.txt"), "--model", spec]
    )
    assert "does not fit" in _one_line_error(
        capsys, ["analyse", str(tmp_path / "lenet.pt"), "--model", "ramanujan_lth:conv2"]
    )


def test_command_line_reports_a_stored_ticket_and_a_trusted_pickle(tmp_path, capsys):
    folder = _stored("lenet_300_100-mnist-magnitude-layerwise-s0")
    out = tmp_path / "ticket.mask.npz"
    assert main(["export", str(folder), "--mask-round", "8", "--mask-file", str(out)]) == 0
    assert (
        main(["analyse", "--masks", str(out), "--csv", str(tmp_path / "t.csv"), "--html", str(tmp_path / "t.html")])
        == 0
    )
    text = capsys.readouterr().out
    assert "fc1.weight" in text and "studied layers" in text
    import pandas as pd

    table = pd.read_csv(tmp_path / "t.csv")
    assert list(table["layer"]) == ["fc1.weight", "fc2.weight", "fc3.weight"]
    page = (tmp_path / "t.html").read_text()
    assert "vegaEmbed" in page and "<script src=" not in page  # self-contained: opens offline
    net = _pruned_resnet_like()
    torch.save(net, tmp_path / "whole.pt")
    assert main(["analyse", str(tmp_path / "whole.pt"), "--trust-pickle"]) == 0
    assert "4.weight" in capsys.readouterr().out
