"""Datasets as uint8 tensors on the training device, batched by slicing a shuffled index."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mnist_demo.data import idx
from mnist_demo.errors import ConfigError, DataMissingError
from mnist_demo.messages import N_, Message
from mnist_demo.paths import DATA_DIR_ENV, SAMPLE
from mnist_demo.paths import data_dir as resolve_data_dir

DATASETS: dict[str, str] = {  # name -> torchvision's class, which is also its folder under the data directory
    "mnist": "MNIST",
    "fashion-mnist": "FashionMNIST",
    "kmnist": "KMNIST",
}

CLASS_NAMES: dict[str, list[str]] = {  # as torchvision names them
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": [N_("T-shirt/top"), N_("Trouser"), N_("Pullover"), N_("Dress"), N_("Coat"), N_("Sandal"),
                      N_("Shirt"), N_("Sneaker"), N_("Bag"), N_("Ankle boot")],
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


def _reason(exc: BaseException, root: Path, public: bool) -> str:
    """Why a download failed, in a few words; for a browser, without the paths an OSError may carry."""
    text = str(exc).strip().splitlines()[0][:120].rstrip(":") if str(exc).strip() else ""
    if public and isinstance(exc, OSError):
        text = exc.strerror or ""
    elif public:
        for path in {str(root.resolve()), str(root)}:
            text = text.replace(path, "the data folder")
    return f"{type(exc).__name__}{': ' + text if text else ''}"


def _four(files: list[str]) -> Message:
    return Message(N_("{first}, {second}, {third} and {fourth}"), first=files[0], second=files[1], third=files[2],
                   fourth=files[3])


def missing_message(name: str, root: Path, exc: BaseException, public: bool = False) -> Message:
    """One line: which folder was searched, why the download failed, and the files to put there by hand. `public`:
    the folder as a browser may see it (no server paths) and the app's setting instead of --data-dir."""
    why = _reason(exc, root, public)
    if public:
        return Message(N_("The {name} dataset is not in the data folder and could not be downloaded ({why}). Copy "
                          "its four files, uncompressed (IDX) or as downloaded (.gz), into {where}: {files}; or start "
                          "the app with `{setting}` set to a folder that holds `{folder}/raw/`."),
                       name=name, why=why, where=idx.shown(root / DATASETS[name] / "raw", root),
                       files=_four([p.name for p in expected_files(name, root)]), setting=DATA_DIR_ENV,
                       folder=DATASETS[name])
    return Message(N_("The {name} dataset is not in {root} and could not be downloaded ({why}). Copy its four files, "
                      "uncompressed (IDX) or as downloaded (.gz), to {files}; or point --data-dir or ${setting} at a "
                      "folder that holds {folder}/raw/."),
                   name=name, root=root.resolve(), why=why,
                   files=_four([str(p) for p in expected_files(name, root.resolve())]), setting=DATA_DIR_ENV,
                   folder=DATASETS[name])


def _download(name: str, root: Path, train: bool, paths: tuple[Path, Path]) -> None:
    """Fetch the dataset's files with torchvision; DataMissingError when that fails, leaving no empty folders
    behind (a misspelt --data-dir must not leave one)."""
    from torchvision import datasets  # only to download: reading the files needs no torchvision (2 s to import)

    folders = [root, root / DATASETS[name], root / DATASETS[name] / "raw"]
    made = [f for f in folders if not f.exists()]
    try:
        getattr(datasets, DATASETS[name])(str(root), train=train, download=True)
    except Exception as exc:  # offline, permission, bad mirror...
        if all(idx.present(p) for p in paths):
            return  # downloaded, but torchvision could not read a file: reading it below says which and why
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: a partial download stays for the next try
        error = DataMissingError(missing_message(name, root, exc))
        error.public = missing_message(name, root, exc, public=True)
        raise error from None


def load_split(name: str = "mnist", train: bool = True, data_dir: str | os.PathLike | None = None) -> Split:
    """Read a split's IDX files (torchvision's layout; a file may also be there gzip-compressed, as name.gz);
    download them with torchvision only when they are absent. A file that is there but wrong (compressed,
    truncated, swapped, of other images, with labels out of range or counts that differ) raises DataFileError naming
    it; absent files that cannot be downloaded raise DataMissingError. Both carry `.public`, the message without
    the server's paths."""
    if name not in DATASETS:
        raise ConfigError(N_("unknown dataset {name!r}; choose one of {choices}"), name=name,
                          choices=", ".join(DATASETS))
    root = resolve_data_dir(data_dir)
    raw = root / DATASETS[name] / "raw"
    paths = (raw / FILES[train][0], raw / FILES[train][1])
    if not all(idx.present(p) for p in paths):
        _download(name, root, train, paths)
    try:
        images, labels = idx.read(paths[0], idx.IMAGES, root), idx.read(paths[1], idx.LABELS, root)
    except FileNotFoundError:  # the download did not bring it (a mirror of another layout)
        error = DataMissingError(missing_message(name, root, FileNotFoundError("not in the download")))
        error.public = missing_message(name, root, FileNotFoundError("not in the download"), public=True)
        raise error from None
    idx.check_pair(images, labels, len(CLASS_NAMES[name]), paths, N_("training") if train else N_("test"), root)
    return Split(name, train, torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64)))


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
