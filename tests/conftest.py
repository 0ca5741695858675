import os
import subprocess
import sys
from pathlib import Path

import pytest

# one thread per process: on 2 cores torch stalls with two threads in one process
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
if "RAMANUJAN_LTH_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["RAMANUJAN_LTH_DATA"] = str(SHARED_DATA)


def pytest_configure(config):
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def mnist():
    from ramanujan_lth.networks.data import load_dataset

    return load_dataset("mnist", device="cpu", quiet=True)


@pytest.fixture(scope="session")
def cifar():
    from ramanujan_lth.networks.data import load_dataset

    return load_dataset("cifar10", device="cpu", quiet=True)


def build_book(src: Path, out: Path):
    """``jupyter-book build --all`` of the book at ``src`` into ``out``."""
    jb = str(Path(sys.executable).with_name("jupyter-book"))
    return subprocess.run(
        [jb, "build", "--all", "--path-output", str(out), str(src)], capture_output=True, text=True, timeout=3000
    )


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The whole book built once per test session (its ``_build/html``)."""
    out = tmp_path_factory.mktemp("book")
    res = build_book(ROOT, out)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    return out / "_build" / "html"
