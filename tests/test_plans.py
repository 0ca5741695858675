"""What each chapter runs, declared once in the study room, under the rules
for showing stored runs; a plan's load trains exactly its tasks, in the order
they wait for each other."""

import json
import shutil
from pathlib import Path

import pytest
from ramanujan_lth import plans, runs, stored_runs, studies
from ramanujan_lth.storage.params import RunParams, RunResult

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "book" / "results"


def store(root: Path, params: RunParams, name: str, complete: bool = True) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    data = {"n_train": 100, "n_test": 100, "subset": True, "note": ""}
    (folder / "params.json").write_text(json.dumps({"params": params.resolved().as_dict(), "data": data}))
    recs = [{"round": 0, "density": 1.0, "accuracy": 0.9}]
    (folder / "records.json").write_text(json.dumps({"complete": complete, "records": recs, "data": data}))


def test_stored_all_is_all_or_nothing(tmp_path):
    wanted = [RunParams(seed=s) for s in range(3)]
    assert stored_runs.stored_all(wanted, tmp_path) is None
    store(tmp_path, wanted[0], "s0")
    store(tmp_path, wanted[1], "s1")
    assert stored_runs.stored_all(wanted, tmp_path) is None  # two of three
    store(tmp_path, wanted[2], "s2", complete=False)
    assert stored_runs.stored_all(wanted, tmp_path) is None  # the third unfinished
    (tmp_path / "s2" / "records.json").write_text(
        (tmp_path / "s2" / "records.json").read_text().replace('"complete": false', '"complete": true')
    )
    got = stored_runs.stored_all(wanted, tmp_path)
    assert [r.folder.name for r in got] == ["s0", "s1", "s2"]
    assert stored_runs.stored_all([], tmp_path) is None and stored_runs.stored_all(wanted, None) is None


def test_a_stored_appendix_group_names_its_seeds_not_its_runs(tmp_path):
    lenet = plans.APPENDIX_GROUPS[0]
    for label in lenet:
        for p in plans.appendix_params(label, "paper", [0]):
            store(tmp_path, p, f"{p.schedule}-{p.p_out}-s{p.seed}")
    loaded = {k: p.load(tmp_path / "runs") for k, p in studies.appendix(list(lenet), "quick", tmp_path, 1).items()}
    assert len(loaded) == 3 and all(len(res) == 1 for res, _ in loaded.values())
    assert {source for _, source in loaded.values()} == {"stored full runs (1 seed)"}


def test_chapter_seeds_come_from_one_table():
    assert plans.chapter_seeds("03_regimes", "lenet_300_100", "paper") == 10
    assert plans.chapter_seeds("03_regimes", "conv4", "subset") == 10
    assert plans.chapter_seeds("03_regimes", "conv4", "quick") == 1
    assert plans.chapter_seeds("05_significance", "lenet_300_100", "quick") == 3
    assert plans.chapter_seeds("06_verdict", "conv4", "paper") == 5  # the controls of five tickets
    assert plans.chapter_seeds("07_appendix", "every study", "paper") == 2
    with pytest.raises(ValueError, match="runs no 'vgg19'"):
        plans.chapter_seeds("06_verdict", "vgg19", "paper")
    with pytest.raises(ValueError, match="profile"):
        plans.chapter_seeds("03_regimes", "conv4", "full")
    assert plans.APPENDIX_GROUPS[0] == tuple(label for label in plans.APPENDIX if label.startswith("LeNet"))
    assert sorted(label for group in plans.APPENDIX_GROUPS for label in group) == sorted(plans.APPENDIX)


def _key(p: RunParams) -> str:
    return studies.Task("", p).key


@pytest.fixture
def computed(monkeypatch):
    """What the chapters' loaders would train, recorded instead of trained."""
    asked = []

    def fake_run_all(params, *a, **k):
        params = list(params)
        asked.extend(params)
        recs = [
            {"round": t, "density": 0.5**t, "accuracy": 0.5, "remaining": {"fc1.weight": 1000 // 2**t}, "spectral": []}
            for t in range(8)
        ]
        return [RunResult(p.resolved(), Path(f"computed-{len(asked)}-{i}"), recs, True) for i, p in enumerate(params)]

    monkeypatch.setattr(runs, "run_all", fake_run_all)
    return asked


@pytest.mark.parametrize("chapter", ["03_regimes", "04_bound_pruner", "05_significance", "06_verdict", "07_appendix"])
@pytest.mark.parametrize("stored", ["the book's stored runs", "nothing stored"])
def test_a_quick_chapter_trains_exactly_its_tasks(chapter, stored, computed, tmp_path):
    """Loading a chapter's plans trains each planned run once (runs two
    studies share, once), derives the derived ones from what they wait for,
    and trains nothing it shows from the stored runs."""
    root = STORED if stored == "the book's stored runs" else tmp_path
    planned = studies.tasks(chapter, "quick", root)
    for plan in studies.chapter_plans(chapter, "quick", root):
        plan.load(tmp_path / "runs")
    to_train = {t.key for t in planned if not t.stored and t.params is not None}
    derived = {t.key for t in planned if t.derive is not None}  # * runs and controls: from what they wait for
    trained = {_key(p) for p in computed}
    assert to_train <= trained
    assert len(trained - to_train) == len(derived - to_train)
    if chapter in ("04_bound_pruner", "05_significance", "06_verdict") and stored == "the book's stored runs":
        assert not computed and all(t.stored for t in planned)  # everything shown from the stored runs


def _appendix_subset(label: str, seeds) -> list:
    try:
        return plans.appendix_params(label, "subset", seeds)
    except FileNotFoundError:
        pytest.skip("no CIFAR-10 images to scale the subset profile's iterations to")


def test_the_appendix_in_the_subset_profile_trains_what_reproduce_plans(computed, tmp_path):
    for plan in studies.appendix(list(plans.APPENDIX), "subset", tmp_path).values():
        plan.load(tmp_path / "runs")
    planned = [
        t for t in studies.tasks("07_appendix", "subset", tmp_path) if t.label.split(" seed")[0] in plans.APPENDIX
    ]
    assert planned and {_key(p) for p in computed} == {_key(t.params) for t in planned}
    conv2 = [p for p in computed if p.model == "conv2"]
    assert [p.seed for p in conv2] == [0, 1] and conv2 == _appendix_subset("Conv2, layer-wise", [0, 1])
    assert {(p.precision, p.iterations < 20_000) for p in conv2} == {("bf16", True)}  # not the paper's 20,000 fp32


def test_a_cifar10_appendix_study_stored_seed_by_seed_is_shown_with_the_seeds_it_has(computed, tmp_path):
    label = "Conv2, layer-wise"
    wanted = _appendix_subset(label, [0, 1])
    store(tmp_path, wanted[1], "conv2-s1")
    res, source = studies.appendix([label], "quick", tmp_path)[label].load(tmp_path / "runs")
    assert [r.params.seed for r in res] == [1] and not computed
    assert source == "stored subset-profile runs (1 seed of 2)"
    planned = [t for t in studies.tasks("07_appendix", "quick", tmp_path) if t.params.model == "conv2"]
    assert [(t.params.seed, t.stored) for t in planned] == [(1, True)]
    assert planned[0].label.endswith("(stored subset-profile run)")
    assert plans.appendix_subset_params("LeNet-300-100, global", [0]) == []  # MNIST: the paper profile is it


def test_a_conv4_study_stored_seed_by_seed_is_shown_with_the_seeds_it_has(computed, tmp_path):
    """Subset-profile Conv4 seeds take hours each on a CPU and are stored one
    by one: the quick chapter shows those stored (and says how many of how
    many) instead of a 10-iteration pipeline check, and plans no training."""
    wanted = plans.lth_params("conv4", "subset", range(5))
    for p in (wanted[0], wanted[2]):
        store(tmp_path, p, f"conv4-s{p.seed}")
    store(tmp_path, wanted[1], "conv4-s1", complete=False)  # a parked copy counts for nothing
    res, source = studies.regimes("conv4", "quick", tmp_path, seeds=5, quick_seeds=1).load(tmp_path / "runs")
    assert [r.params.seed for r in res] == [0, 2] and not computed
    assert source == "stored subset-profile runs (2 seeds of 5)"
    planned = [t for t in studies.tasks("03_regimes", "quick", tmp_path) if t.params.model == "conv4"]
    assert [(t.params.seed, t.stored) for t in planned] == [(0, True), (2, True)]
    assert planned[0].label.endswith("(stored subset-profile run)")
    assert (
        stored_runs.stored_some(wanted, tmp_path / "nothing") is None and stored_runs.stored_some(wanted, None) is None
    )
    for p in (wanted[0], wanted[2]):  # none stored: the quick runs are trained
        shutil.rmtree(tmp_path / f"conv4-s{p.seed}")
    res, source = studies.regimes("conv4", "quick", tmp_path, seeds=5, quick_seeds=1).load(tmp_path / "runs")
    assert source == "quick profile" and [p.iterations for p in computed] == [10]


def store_conv4(root: Path, name: str, n_train: int, iterations: int, subset=True, precision="bf16") -> None:
    folder = root / name
    folder.mkdir(parents=True)
    params = RunParams(model="conv4", iterations=iterations, precision=precision).resolved().as_dict()
    data = {"n_train": n_train, "n_test": 1017, "subset": subset, "note": ""}
    (folder / "params.json").write_text(json.dumps({"params": params, "data": data}))


def test_stored_train_size_counts_the_stored_subset_profile_runs(tmp_path):
    assert plans.stored_train_size("cifar10", tmp_path) is None
    # 25,000 paper iterations x 5,085 / 50,000 = 2,542.5 -> 2,543; x 2,000 / 50,000 = 1,000
    store_conv4(tmp_path, "a", 5085, 2543)
    store_conv4(tmp_path, "b", 5085, 2543)
    store_conv4(tmp_path, "c", 2000, 1000)
    store_conv4(tmp_path, "d", 2000, 2543)  # not scaled to its images: not a subset-profile run
    store_conv4(tmp_path, "e", 2000, 1000, precision="fp32")
    store_conv4(tmp_path, "f", 2000, 1000, subset=False)
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "params.json").write_text("{")  # a broken file is skipped
    assert plans.stored_train_size("cifar10", tmp_path) == 5085
    store_conv4(tmp_path, "h", 2000, 1000)
    assert plans.stored_train_size("cifar10", tmp_path) == 5085  # a tie: the larger
    store_conv4(tmp_path, "i", 2000, 1000)
    assert plans.stored_train_size("cifar10", tmp_path) == 2000
    assert plans.stored_train_size("mnist", tmp_path) is None


def fake_cifar10(root: Path, per_batch: int) -> Path:
    import pickle

    base = root / "cifar-10-batches-py"
    base.mkdir(parents=True)
    for i in range(1, 6):
        (base / f"data_batch_{i}").write_bytes(pickle.dumps({"labels": [0] * per_batch}))
    return root


@pytest.mark.parametrize("images", ["none", "all"])
def test_a_reader_sees_the_stored_subset_runs_whatever_images_they_hold(tmp_path, monkeypatch, images):
    """The book's Conv4 runs were trained on 5,085 images; a reader with none
    (no data root) or all 50,000 (downloaded) still sees them."""
    stored = plans.stored_train_size("cifar10", STORED)
    if stored is None:
        pytest.skip("the book stores no subset-profile Conv4 runs")
    root = tmp_path if images == "none" else fake_cifar10(tmp_path, 10_000)
    monkeypatch.setenv("RAMANUJAN_LTH_DATA", str(root))
    plans.present_train_size.cache_clear()
    try:
        found, profile = plans.stored_lth("conv4", STORED, 5)
        assert profile == "subset" and len(found) >= 3
        assert {r.params.iterations for r in found} == {plans.subset_iterations("conv4", stored)}
        assert plans.stored_profile("conv4", STORED) == "subset"
    finally:
        plans.present_train_size.cache_clear()


def test_two_derived_tasks_naming_one_run_train_it_once(computed, tmp_path):
    """Two control densities nearest the same ticket round derive the same run:
    it is trained once (batching seeds on a GPU would refuse a repeat)."""
    ticket = plans.lth_params("lenet_300_100", "quick", [0])[0]
    tasks = [studies.Task("ticket", ticket)] + studies._matched(
        "lenet_300_100", ticket, (0.5, 0.49), "control", {"random": "r"}
    )
    got, _ = studies.execute(tasks, None, tmp_path / "runs")
    assert len(computed) == 2 and got[1] is got[2]  # the ticket, then one control for both densities
