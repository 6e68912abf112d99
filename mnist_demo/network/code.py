"""The PyTorch code of a run, in the tutorial's own style: one file that needs only torch and torchvision.

`script(config)` writes a `Model` class built from the run's SPEC, a `train` and a `test` function and the loop that
prints the tutorial's line per epoch and `Done`, with the run's optimizer, batch size, learning rate, epochs,
schedule and seed. For the tutorial's recipe its numbers are the app's and the CLI's (tests/test_code.py runs it):
the same initial weights (torch.manual_seed, then the layers in order), the same order of the training images
(one torch.randperm per epoch from a generator seeded with the seed: mnist-demo's `data.batches`; a DataLoader
with shuffle=True draws extra random numbers per epoch, so it would give other batches), the same memory layout.

Comments are written through `translate` (gettext's job, English by default): the page passes the session's
language, so the code a class downloads reads in Chinese in Chinese mode. The code itself is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from mnist_demo.messages import N_
from mnist_demo.network.spec import Layer, plan
from mnist_demo.train.recipes import TrainConfig

DATASET_CLASSES = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "kmnist": "KMNIST"}  # torchvision's
ACTIVATION_CALLS = {"relu": "F.relu", "sigmoid": "torch.sigmoid", "tanh": "torch.tanh"}
LOCAL_CLASS = '''

class LocallyConnected2d(nn.Module):
    # {comment}
    def __init__(self, in_channels, out_channels, kernel_size, in_size):
        super().__init__()
        self.kernel_size, self.out_channels = kernel_size, out_channels
        self.out_size = in_size - kernel_size + 1
        fan_in = in_channels * kernel_size * kernel_size
        self.weight = nn.Parameter(torch.empty(self.out_size ** 2, out_channels, fan_in))
        self.bias = nn.Parameter(torch.empty(out_channels, self.out_size, self.out_size))
        bound = 1 / math.sqrt(fan_in)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        patches = F.unfold(x, self.kernel_size)
        out = torch.einsum("njl,loj->nol", patches, self.weight)
        return out.reshape(len(x), self.out_channels, self.out_size, self.out_size) + self.bias
'''


def _constructor(layer: Layer) -> str | None:
    b, shape = layer.block, layer.input_shape
    if b.kind == "conv":
        return f"nn.Conv2d({shape[0]}, {b.size}, kernel_size={b.kernel})"
    if b.kind == "local":
        return f"LocallyConnected2d({shape[0]}, {b.size}, kernel_size={b.kernel}, in_size={shape[1]})"
    if b.kind == "maxpool":
        return f"nn.MaxPool2d({b.size})"
    if b.kind == "avgpool":
        return f"nn.AvgPool2d({b.size})"
    if b.kind == "fc":
        width = shape[0] * shape[1] * shape[2] if len(shape) == 3 else shape[0]
        return f"nn.Linear({width}, {b.size})"
    if b.kind == "bn":
        return f"nn.BatchNorm{'2d' if len(shape) == 3 else '1d'}({shape[0]})"
    if b.kind == "dropout":
        return f"nn.Dropout({b.rate:g})"
    return None  # activations are calls in forward, as the tutorial writes F.relu


def _shape(shape: tuple[int, ...]) -> str:
    return " x ".join(map(str, shape))


def model_code(arch: str, classes: int = 10, translate: Callable[[str], str] = N_) -> str:
    """The `Model` class (and LocallyConnected2d when the SPEC uses it), as the tutorial writes its network."""
    layers = plan(arch, classes)
    lines = ["class Model(nn.Module):", "    def __init__(self):", "        super().__init__()"]
    for layer in layers:
        made = _constructor(layer)
        if made and layer is layers[-1]:  # one score per class
            made = made.rsplit(", ", 1)[0] + ", num_classes)"
        if made:
            lines.append(f"        self.{layer.name} = {made}")
    lines += ["", "    def forward(self, x):"]
    first_fc = next(i for i, layer in enumerate(layers) if layer.kind == "fc")
    for i, layer in enumerate(layers):
        if i == first_fc and len(layer.input_shape) == 3:
            lines.append(f"        x = torch.flatten(x, start_dim=1)  # {_shape(layer.input_shape)} -> "
                         f"{layer.input_shape[0] * layer.input_shape[1] * layer.input_shape[2]}")
        call = ACTIVATION_CALLS.get(layer.kind)
        step = f"{call}(x)" if call else f"self.{layer.name}(x)"
        lines.append(f"        x = {step:<24}  # {_shape(layer.output_shape)}")
    lines.append("        return x")
    head = ""
    if any(layer.kind == "local" for layer in layers):
        head = LOCAL_CLASS.format(comment=translate(N_(
            "A convolution whose every position has its own weights (PyTorch has none built in)."))).lstrip("\n")
        head += "\n\n"
    return head + "\n".join(lines)


COMMENTS = {  # the code"s comments and the curves" labels, as message ids: run.py in the page's language
    "plain_loss": N_("without smoothing: the loss the tutorial reports"),
    "augmented": N_("# The app also changed the training images (augmentation: {kind}); this file does not."),
    "data": N_("1. The data: torchvision's {dataset}, its images as bytes (N, 28, 28) and their labels"),
    "batches": N_("Batches of (N, 1, 28, 28) floats in [0, 1], as ToTensor makes them; "
                   "shuffled when given a generator"),
    "network": N_("2. The network"),
    "seed": N_("the same seed, the same initial weights"),
    "channels_last": N_("channels_last: faster convolutions on a CPU, and the very numbers mnist-demo computes"),
    "parameters": N_("Parameters"),
    "training": N_("3. Training"),
    "shuffle": N_("one new order of the training images per epoch"),
    "loop": N_("The loop: one line per epoch, as the tutorial prints it"),
    "curves": N_("4. The curves: accuracy and loss per epoch, training and test (needs matplotlib)"),
    "train_acc": N_("Training Accuracy"),
    "test_acc": N_("Test Accuracy"),
    "acc_title": N_("Training and Test Accuracy"),
    "train_loss": N_("Training Loss"),
    "test_loss": N_("Test Loss"),
    "loss_title": N_("Training and Test Loss"),
    "title": N_("{dataset}, trained as mnist-demo trains it: python run.py [--data-dir DIR]"),
    "data_dir": N_("where the dataset is (downloaded there if absent)"),
}


def parts(config: TrainConfig, classes: int = 10, translate: Callable[[str], str] = N_) -> dict[str, str]:
    """The run's code in the tutorial's parts: "data" (1), "network" (2), "training" (3: the loss, the optimizer,
    `train`, `test` and the loop that prints a line per epoch), "curves" (4: matplotlib, as the tutorial plots them).
    `script` joins the first three into one file."""
    c = SimpleNamespace(**{k: translate(v) for k, v in COMMENTS.items()})
    batches_per_epoch = "math.ceil(len(train_labels) / batch_size)"
    optimizer = {
        "sgd": "torch.optim.SGD(model.parameters(), lr=learn_rate)",
        "momentum": "torch.optim.SGD(model.parameters(), lr=learn_rate, momentum=0.9)",
        "adam": "torch.optim.Adam(model.parameters(), lr=learn_rate)",
    }[config.optimizer]
    schedule = {
        "constant": ("", "", ""),
        "cosine": ("scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)\n", "",
                   "    scheduler.step()\n"),
        "onecycle": ("scheduler = torch.optim.lr_scheduler.OneCycleLR(\n    opt, max_lr=learn_rate, epochs=epochs, "
                     f"steps_per_epoch={batches_per_epoch}, pct_start=0.15)\n", "        scheduler.step()\n", ""),
    }[config.schedule]
    smoothing = f"label_smoothing={config.label_smoothing:g}" if config.label_smoothing else ""
    plain = (f"plain_loss = nn.CrossEntropyLoss()  # {c.plain_loss}\n"
             if smoothing else "")
    dataset = DATASET_CLASSES[config.dataset]
    note = (c.augmented.format(
        kind=config.augment) + "\n") if config.augment != "none" else ""
    data = f'''# {c.data.format(
        dataset=dataset)}
train_ds = torchvision.datasets.{dataset}(args.data_dir, train=True, download=True)
test_ds = torchvision.datasets.{dataset}(args.data_dir, train=False, download=True)
train_images, train_labels = train_ds.data.to(device), train_ds.targets.to(device)
test_images, test_labels = test_ds.data.to(device), test_ds.targets.to(device)

seed = {config.seed}
batch_size = {config.batch_size}
{note}

def batches(images, labels, batch_size, generator=None):
    # {c.batches}
    order = torch.randperm(len(labels), generator=generator) if generator is not None else torch.arange(len(labels))
    order = order.to(labels.device)
    for start in range(0, len(labels), batch_size):
        index = order[start:start + batch_size]
        yield images[index].unsqueeze(1).float() / 255, labels[index]
'''
    network = f'''# {c.network}
num_classes = {classes}


{model_code(config.arch, classes, translate)}


torch.manual_seed(seed)  # {c.seed}
# {c.channels_last}
model = Model().to(device, memory_format=torch.channels_last)
print(model)
print("{c.parameters}:", sum(p.numel() for p in model.parameters()))
'''
    training = f'''# {c.training}
loss_fn = nn.CrossEntropyLoss({smoothing})
{plain}learn_rate = {config.lr:g}
epochs = {config.epochs}
opt = {optimizer}
{schedule[0]}shuffle = torch.Generator().manual_seed(seed)  # {c.shuffle}


def train(model, loss_fn, optimizer):
    size, num_batches = len(train_labels), {batches_per_epoch}
    train_loss, train_acc = 0, 0
    for X, y in batches(train_images, train_labels, batch_size, shuffle):
        pred = model(X)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
{schedule[1]}        train_acc += (pred.argmax(1) == y).type(torch.float).sum().item()
        train_loss += {"plain_loss(pred, y)" if smoothing else "loss"}.item()
    return train_acc / size, train_loss / num_batches


def test(model, loss_fn):
    size, num_batches = len(test_labels), math.ceil(len(test_labels) / batch_size)
    test_loss, test_acc = 0, 0
    with torch.no_grad():
        for X, y in batches(test_images, test_labels, batch_size):
            pred = model(X)
            test_loss += {"plain_loss" if smoothing else "loss_fn"}(pred, y).item()
            test_acc += (pred.argmax(1) == y).type(torch.float).sum().item()
    return test_acc / size, test_loss / num_batches


# {c.loop}
train_acc, train_loss, test_acc, test_loss = [], [], [], []
for epoch in range(epochs):
    model.train()
    epoch_train_acc, epoch_train_loss = train(model, loss_fn, opt)
{schedule[2]}    model.eval()
    epoch_test_acc, epoch_test_loss = test(model, loss_fn)
    train_acc.append(epoch_train_acc)
    train_loss.append(epoch_train_loss)
    test_acc.append(epoch_test_acc)
    test_loss.append(epoch_test_loss)
    template = "Epoch:{{:2d}}, Train_acc:{{:.1f}}%, Train_loss:{{:.3f}}, Test_acc:{{:.1f}}%,Test_loss:{{:.3f}}"
    print(template.format(epoch + 1, epoch_train_acc * 100, epoch_train_loss, epoch_test_acc * 100, epoch_test_loss))
print("Done")
'''
    curves = f'''# {c.curves}
import matplotlib.pyplot as plt

epochs_range = range(1, epochs + 1)
plt.figure(figsize=(12, 3))
plt.subplot(1, 2, 1)
plt.plot(epochs_range, train_acc, label="{c.train_acc}")
plt.plot(epochs_range, test_acc, label="{c.test_acc}")
plt.legend(loc="lower right")
plt.title("{c.acc_title}")
plt.subplot(1, 2, 2)
plt.plot(epochs_range, train_loss, label="{c.train_loss}")
plt.plot(epochs_range, test_loss, label="{c.test_loss}")
plt.legend(loc="upper right")
plt.title("{c.loss_title}")
plt.show()
'''
    return {"data": data, "network": network, "training": training, "curves": curves}


def script(config: TrainConfig, classes: int = 10, translate: Callable[[str], str] = N_) -> str:
    """The whole run as one Python file that needs only torch and torchvision (see the module's docstring)."""
    c = SimpleNamespace(**{k: translate(v) for k, v in COMMENTS.items()})
    title = c.title.format(
        dataset=DATASET_CLASSES[config.dataset])
    code = parts(config, classes, translate)
    functional = "import torch.nn.functional as F\n" if "F." in code["network"] else ""
    return f'''"""{title}"""
import argparse
import math

import torch
import torch.nn as nn
{functional}import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", default="data", help="{c.data_dir}")
args = parser.parse_args()

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

{code["data"]}

{code["network"]}
{code["training"]}'''
