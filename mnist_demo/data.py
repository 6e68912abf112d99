"""Datasets as uint8 tensors on the training device, batched by slicing a shuffled index."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .errors import ConfigError, DataMissingError  # noqa: F401 - DataMissingError: raised here, caught by callers
from .paths import DATA_DIR_ENV, SAMPLE
from .paths import data_dir as resolve_data_dir

DATASETS: dict[str, str] = {  # name -> torchvision's class, which is also its folder under the data directory
    "mnist": "MNIST",
    "fashion-mnist": "FashionMNIST",
    "kmnist": "KMNIST",
}

CLASS_NAMES: dict[str, list[str]] = {  # as torchvision names them
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"],
    "kmnist": ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
}

FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

@dataclass(frozen=True)
class Split:
    """One split of a dataset: uint8 images (N, 28, 28) and int64 labels (N,)."""

    name: str
    train: bool
    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def to(self, device: torch.device | str) -> Split:
        return Split(self.name, self.train, self.images.to(device), self.labels.to(device))

    @property
    def classes(self) -> list[str]:
        return CLASS_NAMES[self.name]


def expected_files(name: str, root: Path) -> list[Path]:
    raw = root / DATASETS[name] / "raw"
    return [raw / f for f in FILES[True] + FILES[False]]


def read_idx(path: Path, magic: int) -> np.ndarray:
    """An uncompressed IDX file (MNIST's format) as a uint8 array: (N,) labels or (N, rows, cols) images."""
    data = path.read_bytes()
    header = np.frombuffer(data, dtype=">u4", count=1)
    if len(data) < 8 or int(header[0]) != magic:
        raise ValueError(f"{path} is not an IDX file of this kind")
    dims = np.frombuffer(data, dtype=">u4", count=magic & 0xFF, offset=4).astype(int)
    offset = 4 + 4 * len(dims)
    return np.frombuffer(data, dtype=np.uint8, count=int(np.prod(dims)), offset=offset).reshape(dims)


def missing_message(name: str, root: Path, exc: BaseException) -> str:
    """One line: which folder was searched, why the download failed, and the files to put there by hand."""
    files = [str(p) for p in expected_files(name, root.resolve())]
    why = str(exc).strip().splitlines()[0][:120].rstrip(":") if str(exc).strip() else ""
    return (
        f"The {name} dataset is not in {root.resolve()} and could not be downloaded "
        f"({type(exc).__name__}{': ' + why if why else ''}). Copy its four files, uncompressed (IDX), to "
        f"{', '.join(files[:-1])} and {files[-1]}; or point --data-dir or ${DATA_DIR_ENV} at a folder that holds "
        f"{DATASETS[name]}/raw/."
    )


def load_split(name: str = "mnist", train: bool = True, data_dir: str | os.PathLike | None = None) -> Split:
    """Read a split's IDX files (torchvision's layout); download them with torchvision when missing; fail with
    one clear message."""
    if name not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    root = resolve_data_dir(data_dir)
    raw = root / DATASETS[name] / "raw"
    images_file, labels_file = FILES[train]
    try:
        images, labels = read_idx(raw / images_file, 2051), read_idx(raw / labels_file, 2049)
        if len(images) == len(labels):
            return Split(name, train, torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64)))
    except (OSError, ValueError):
        pass
    from torchvision import datasets  # only to download: reading the files needs no torchvision (2 s to import)

    cls = getattr(datasets, DATASETS[name])
    try:
        ds = cls(str(root), train=train, download=False)
    except RuntimeError:
        try:
            ds = cls(str(root), train=train, download=True)
        except Exception as exc:  # offline, permission, bad mirror...
            raise DataMissingError(missing_message(name, root, exc)) from None
    return Split(name, train, ds.data.clone(), ds.targets.clone().long())


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [0, 1], exactly as ToTensor scales."""
    return images.unsqueeze(1).float().div_(255)


def batches(
    split: Split, batch_size: int, shuffle: bool = True, generator: torch.Generator | None = None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (float images, labels) batches on the split's device; the last batch may be short."""
    n = len(split)
    order = (torch.randperm(n, generator=generator) if shuffle else torch.arange(n)).to(split.images.device)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield to_float(split.images[idx]), split.labels[idx]


def num_batches(n: int, batch_size: int) -> int:
    return -(-n // batch_size)


def load_sample(path: Path = SAMPLE) -> Split:
    """The few hundred MNIST test digits shipped in assets/, for when the full set is not here."""
    with np.load(path) as f:
        return Split("mnist", False, torch.from_numpy(f["images"]), torch.from_numpy(f["labels"]).long())


def write_sample(split: Split, path: Path = SAMPLE, per_class: int = 50) -> Path:
    """Save the first `per_class` images of each class of `split`, in dataset order."""
    labels = split.labels.cpu()
    keep = torch.cat([torch.nonzero(labels == c).flatten()[:per_class] for c in range(10)]).sort().values
    np.savez_compressed(path, images=split.images.cpu()[keep].numpy(), labels=labels[keep].numpy().astype(np.uint8))
    return path
