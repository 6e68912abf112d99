"""What a checkpoint file must be before anything is built from it. Its size is checked before it is read, its
metadata (the network it names among them) before a network is made from it, the shapes of its tensors against
that network (built on the meta device: no memory) before any weights are copied, and every weight must be a dense
tensor of finite numbers. Each refusal is one
CheckpointError that names the file and what is wrong."""

from __future__ import annotations

import zipfile
from pathlib import Path

import torch

from mnist_demo.data import CLASS_NAMES, DATASETS
from mnist_demo.errors import ArchitectureError, CheckpointError
from mnist_demo.messages import N_
from mnist_demo.network import TUTORIAL, Net, canonical, plan
from mnist_demo.network.spec import MAX_PARAMETERS, hidden_width

MAX_BYTES = 4 * MAX_PARAMETERS + 8 * 2**20  # the largest network the app builds, with its statistics; the tutorial's
# is about 0.5 MB. A bound on the file is a bound on what reading it can cost
MAX_SPEC = 400  # characters of the network's SPEC in the metadata
QUANTILES = 1001


def _megabytes(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def _said(value: object) -> str:
    """A value from the file, briefly (it may be anything)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_size(path: Path) -> None:
    """Refuse a file (or a zip archive's contents) larger than any mnist-demo checkpoint, before reading it."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise CheckpointError(N_("{path} is {size}; an mnist-demo checkpoint is about 0.5 MB for the tutorial's "
                                 "network and at most {most}: it is not one."), path=path, size=_megabytes(size),
                              most=_megabytes(MAX_BYTES))
    if zipfile.is_zipfile(path):  # torch.save's format: what its members unpack to, from the archive's directory
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return  # torch.load says it is not readable
        if unpacked > MAX_BYTES:
            raise CheckpointError(N_("{path} unpacks to {size}; an mnist-demo checkpoint holds at most {most}: it is "
                                     "not one."), path=path, size=_megabytes(unpacked), most=_megabytes(MAX_BYTES))


def check_meta(path: Path, meta: dict) -> tuple[int, str]:
    """The number of classes and the network (its SPEC) the metadata describes, once they are consistent;
    CheckpointError otherwise. A checkpoint that names no network is the tutorial's (older files)."""
    dataset = meta.get("dataset", "mnist")
    if not isinstance(dataset, str) or dataset not in DATASETS:
        raise CheckpointError(N_("{path} names its dataset {said}; an mnist-demo checkpoint names one of {choices}."),
                              path=path, said=_said(dataset), choices=", ".join(DATASETS))
    classes = len(CLASS_NAMES[dataset])
    claimed = meta.get("num_classes", classes)
    if type(claimed) is not int or claimed != classes:
        raise CheckpointError(N_("{path} claims {said} classes, but {dataset} has {classes}: it is not a model of "
                                 "{dataset} this app can use (edited, or from another program)."), path=path,
                              said=_said(claimed), dataset=dataset, classes=classes)
    accuracy = meta.get("test_accuracy")
    if accuracy is not None and not (type(accuracy) in (int, float) and 0 <= accuracy <= 1):
        raise CheckpointError(N_("{path} gives its test accuracy as {said}; it must be a number from 0 to 1 (an "
                                 "edited or damaged file)."), path=path, said=_said(accuracy))
    arch = meta.get("architecture", TUTORIAL)
    if not isinstance(arch, str) or len(arch) > MAX_SPEC:
        raise CheckpointError(N_("{path} names its network {said}; an mnist-demo checkpoint names it as a short text "
                                 "such as \"conv32:3 relu maxpool2 fc10\" (an edited or damaged file)."), path=path,
                              said=_said(arch))
    try:
        arch = canonical(arch)
        layers = plan(arch, classes)
    except ArchitectureError as exc:
        raise CheckpointError(N_("{path} names a network that cannot be built: {why}"), path=path,
                              why=exc.message) from None
    stats = meta.get("feature_stats")
    if stats is not None:
        _check_stats(path, stats, classes, hidden_width(layers))
    return classes, arch


def _check_stats(path: Path, stats: object, classes: int, width: int) -> None:
    """The statistics behind "not sure", in the space of the `width` numbers the last layer reads (64 for the
    tutorial's network): per-class means (up to `classes` x width), a width x width precision matrix and 1001
    quantiles, dense and all finite except the means of a class the training set lacked."""
    shapes = {"means": None, "precision": (width, width), "quantiles": (QUANTILES,)}
    wrong = []
    if not isinstance(stats, dict):
        wrong.append(f"they are {type(stats).__name__}, not a table")
    else:
        for name, shape in shapes.items():
            t = stats.get(name)
            if not isinstance(t, torch.Tensor) or t.layout != torch.strided or not t.is_floating_point():
                wrong.append(f"{name} is {'missing' if t is None else 'not a dense tensor of numbers'}")
            elif name == "means" and not (t.dim() == 2 and 1 <= t.shape[0] <= classes and t.shape[1] == width):
                wrong.append(f"means is {' x '.join(map(str, t.shape))}, expected at most {classes} x {width}")
            elif shape is not None and tuple(t.shape) != shape:
                wrong.append(f"{name} is {' x '.join(map(str, t.shape))}, expected {' x '.join(map(str, shape))}")
            elif shape is not None and not bool(torch.isfinite(t).all()):
                wrong.append(f"{name} holds NaN or infinite values")
    if wrong:
        raise CheckpointError(N_("{path} holds damaged \"not sure\" statistics ({details}): save the model again, or "
                                 "train it again."), path=path, details="; ".join(wrong[:3]))


def _shape(t: object) -> str:
    return " x ".join(map(str, getattr(t, "shape", ()))) or "not a tensor"


def mismatch(expected: dict, got: dict, show: int = 3) -> str:
    """What differs between two state dicts, in one line; "" when they fit."""

    def listed(keys: list[str]) -> str:
        return ", ".join(keys[:show]) + (f" and {len(keys) - show} more" if len(keys) > show else "")

    wrong = [f"{k} is {_shape(got[k])}, expected {_shape(v)}" for k, v in expected.items()
             if k in got and (not isinstance(got[k], torch.Tensor) or got[k].shape != v.shape)]
    missing = [k for k in expected if k not in got]
    unexpected = [k for k in got if k not in expected]
    parts = wrong[:show]
    if missing:
        parts.append(f"missing {listed(missing)}")
    if unexpected:
        parts.append(f"unexpected {listed(unexpected)}")
    return "; ".join(parts)


def check_weights(path: Path, state: dict, classes: int, arch: str = TUTORIAL) -> None:
    """The tensors fit the network `arch` for `classes` classes: each a dense tensor of the expected shape and kind
    (real numbers; BatchNorm's count of batches a whole number), every weight a finite number."""
    with torch.device("meta"):  # shapes only: nothing is allocated
        expected = Net(arch, classes).state_dict()
    different = mismatch(expected, state)
    if different:
        if arch == TUTORIAL:
            raise CheckpointError(N_("{path} holds weights that do not fit the tutorial's CNN (another "
                                     "architecture?): {details}"), path=path, details=different)
        raise CheckpointError(N_("{path} holds weights that do not fit the network it names ({arch}): {details}"),
                              path=path, arch=arch, details=different)
    sparse = [k for k in expected if state[k].layout != torch.strided]
    if sparse:
        raise CheckpointError(N_("{path} holds {tensors} as a {layout} tensor; a checkpoint of this network holds "
                                 "dense tensors: it was edited or made by another program."), path=path,
                              tensors=", ".join(sparse[:3]), layout=str(state[sparse[0]].layout)[6:])
    wrong_kind = [k for k, v in expected.items() if state[k].dtype != v.dtype and not (
        state[k].is_floating_point() and v.is_floating_point())]
    if wrong_kind:
        raise CheckpointError(N_("{path} holds {tensors} as {dtype}, not as {expected}: it is not a checkpoint of "
                                 "this network."), path=path, tensors=", ".join(wrong_kind[:3]),
                              dtype=state[wrong_kind[0]].dtype, expected=expected[wrong_kind[0]].dtype)
    broken = [k for k, v in expected.items() if v.is_floating_point() and not bool(torch.isfinite(state[k]).all())]
    if broken:
        shown = ", ".join(broken[:3]) + (f" and {len(broken) - 3} more" if len(broken) > 3 else "")
        raise CheckpointError(N_("{path} holds weights that are not numbers (NaN or infinite) in {tensors}: the run "
                                 "that saved it went wrong. Train the model again."), path=path, tensors=shown)

