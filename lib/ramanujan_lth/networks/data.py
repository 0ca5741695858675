"""MNIST and CIFAR-10 as tensors on the training device.

The data root is the ``root`` argument, else the environment variable
``RAMANUJAN_LTH_DATA``, else ``~/.cache/ramanujan_lth/data``; it holds the
datasets in torchvision's own layout (``MNIST/raw/...``,
``cifar-10-batches-py/...``). torchvision downloads them only when
``download=True`` and they are missing. A root holding fewer images than the
official sets (such as the offline subsets used in CI) works, and the loader
says so.

Pixels are kept in ``[0, 1]`` on the device; :meth:`TensorData.batches` and
the evaluation helpers normalise on the fly, so noise can be added to the
``[0, 1]`` pixels before normalisation (book/methods.md §6).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from ramanujan_lth.catalog import DATASETS, ENV_VAR, MODEL_DATASET, Spec, data_root

__all__ = [
    "load_dataset",
    "data_root",
    "TensorData",
    "DATASETS",
    "MODEL_DATASET",
    "DatasetNotFound",
    "DeviceUnavailable",
    "pick_device",
    "noisy",
]


class DatasetNotFound(FileNotFoundError):
    """The dataset is not under the data root and downloading is not allowed."""


class DeviceUnavailable(ValueError):
    """The device asked for does not exist on this machine, or is no device at all."""


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given (checked: it must exist here), else cuda, then mps, then cpu."""
    if device is not None:
        try:
            dev = torch.device(device)
        except RuntimeError:
            raise DeviceUnavailable(f"unknown device {device!r}: use cpu, cuda (cuda:N) or mps") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise DeviceUnavailable(
                f"device {device!r}: this machine has no CUDA GPU (or PyTorch was built "
                "without CUDA); leave the device out, or use cpu"
            )
        if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceUnavailable(f"device {device!r}: this machine has {torch.cuda.device_count()} GPU(s)")
        if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise DeviceUnavailable(f"device {device!r}: Apple's MPS is not available here; use cpu")
        if dev.type not in ("cpu", "cuda", "mps"):
            raise DeviceUnavailable(f"device {device!r} is not supported here: use cpu, cuda or mps")
        return dev
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@dataclass
class TensorData:
    """A dataset held as tensors: ``x`` float pixels in [0, 1], ``y`` int64 labels."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor
    subset: bool
    note: str = ""
    root: str = ""

    @property
    def device(self) -> torch.device:
        return self.x_train.device

    @property
    def sizes(self) -> tuple[int, int]:
        return len(self.y_train), len(self.y_test)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def to(self, device) -> "TensorData":
        device = torch.device(device)
        moved = {k: getattr(self, k).to(device) for k in ("x_train", "y_train", "x_test", "y_test", "mean", "std")}
        return TensorData(self.name, **moved, subset=self.subset, note=self.note, root=self.root)

    def batches(self, batch_size: int, seed: int):
        """Endless stream of normalised training batches, reshuffled every epoch.

        The order is a function of ``seed`` alone (index permutations come from
        a CPU generator), so a run is reproducible on every device.
        """
        n = len(self.y_train)
        if batch_size > n:
            raise ValueError(f"batch size {batch_size} exceeds the {n} training examples")
        per_epoch = n // batch_size
        g = torch.Generator().manual_seed(seed)
        while True:
            perm = torch.randperm(n, generator=g).to(self.device)
            for b in range(per_epoch):
                idx = perm[b * batch_size : (b + 1) * batch_size]
                yield self.normalize(self.x_train[idx]), self.y_train[idx]


def _subset_note(spec: Spec, n_train: int, n_test: int) -> str:
    if n_train >= spec.n_train and n_test >= spec.n_test:
        return ""
    return (
        f"{spec.name}: running on a SUBSET — {n_train:,} of {spec.n_train:,} training and "
        f"{n_test:,} of {spec.n_test:,} test images"
    )


def _missing(spec: Spec, root: Path) -> DatasetNotFound:
    return DatasetNotFound(
        f"{spec.name} not found under {root / spec.folder}; put it there in torchvision's layout, "
        f"point the environment variable {ENV_VAR} (or the data root argument) at a folder that holds it, "
        f"or allow downloading (download=True / --download)"
    )


def _load_mnist(root: Path, download: bool):
    import torchvision

    spec = DATASETS["mnist"]
    out = []
    for train in (True, False):
        try:
            ds = torchvision.datasets.MNIST(str(root), train=train, download=download)
        except RuntimeError as e:
            raise _missing(spec, root) from e
        out += [ds.data.float().div_(255).unsqueeze(1), ds.targets.long()]
    return out


def _cifar_class(download: bool):
    import torchvision

    class PresentCIFAR10(torchvision.datasets.CIFAR10):
        """CIFAR-10 whose integrity check only asks that the files be present,
        so a root holding a subset of the official batches loads."""

        def _check_integrity(self) -> bool:
            base = Path(self.root) / self.base_folder
            return all((base / f).is_file() for f, _ in self.train_list + self.test_list)

    return torchvision.datasets.CIFAR10 if download else PresentCIFAR10


def _load_cifar10(root: Path, download: bool):
    spec = DATASETS["cifar10"]
    present = (root / spec.folder / "test_batch").is_file()
    cls = _cifar_class(download and not present)
    out = []
    for train in (True, False):
        try:
            ds = cls(str(root), train=train, download=download and not present)
        except RuntimeError as e:
            raise _missing(spec, root) from e
        x = torch.from_numpy(ds.data).permute(0, 3, 1, 2).float().div_(255)
        out += [x.contiguous(), torch.tensor(ds.targets, dtype=torch.long)]
    return out


#: subset notes already printed by this process, as (root, note)
_NOTED: set = set()


def load_dataset(
    name: str, root=None, download: bool = False, device=None, n_train: int | None = None, quiet: bool = False
) -> TensorData:
    """Load ``"mnist"`` or ``"cifar10"`` onto ``device`` (default: :func:`pick_device`).

    ``n_train`` keeps only the first ``n_train`` training images (for quick runs).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    spec = DATASETS[name]
    root = data_root(root)
    loader = _load_mnist if name == "mnist" else _load_cifar10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x_tr, y_tr, x_te, y_te = loader(root, download)
    if n_train is not None:
        if n_train < 1:
            raise ValueError(f"n_train must be positive, got {n_train}")
        x_tr, y_tr = x_tr[:n_train], y_tr[:n_train]
    note = _subset_note(spec, len(y_tr), len(y_te))
    if note and not quiet and (str(root), note) not in _NOTED:  # once per process: chapters load a dataset per run
        _NOTED.add((str(root), note))
        print(note)
    dev = pick_device(device)
    mean = torch.tensor(spec.mean).view(1, -1, 1, 1)
    std = torch.tensor(spec.std).view(1, -1, 1, 1)
    return TensorData(name, x_tr, y_tr, x_te, y_te, mean, std, subset=bool(note), note=note, root=str(root)).to(dev)


def noisy(x: torch.Tensor, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """``x`` (pixels in [0, 1]) plus zero-mean Gaussian noise of std ``sigma``
    (not clipped), drawn from ``generator`` on the CPU for reproducibility."""
    if sigma == 0:
        return x
    noise = torch.randn(x.shape, generator=generator) * sigma
    return x + noise.to(x.device)
