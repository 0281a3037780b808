#!/usr/bin/env python3
"""Checkpoint series as PyTorch users export them, with PyTorch's own pair metrics.

Writes, under OUT, one folder per series: a few ONNX checkpoints of one small network trained for a
few epochs on MNIST (the state before each epoch's update, epoch 0 = initial weights), exported with
torch.onnx.export under one setting (opset, constant folding, keep_initializers_as_inputs, fixed or
dynamic batch, external data, file naming), plus OUT/pairs.csv (columns a,b) and OUT/corpus.json with,
for every series, the files, their epochs and steps, the exporter settings and the reference h2, y2, w
of every (checkpoint, hidden layer, pair) computed by PyTorch in float64 from the exported weights.

h2 = |h(x_b) - h(x_a)|^2 at a hidden layer (the post-activation output, flattened), y2 the same for
the network output, w = y2 - (y_b* - y_a*).(yhat_b - yhat_a) with one-hot targets. Images are
(pixel/255 - 0.1307)/0.3081, as RepAlign's --normalize mnist.

Usage: python3 pytorch_export_corpus.py --data DIR_WITH_MNIST_IDX --out DIR [--pairs N]
Needs Debian's python3-torch (1.13) and python3-onnx.
"""
import argparse
import gzip
import io
import json
import os
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
torch.set_num_threads(1)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise SystemExit(f"{folder}: no {stem}[.gz]")


class Gated(nn.Module):
    """x * tanh(x): a gated activation no exporter names, for the refusal of --layers auto."""

    def forward(self, x):
        return x * torch.tanh(x)


class TwoExit(nn.Module):
    """z = fc1(x), g = sigmoid(z), h = z * g; output fc2(h) + fc3(g): the gate g is read twice, so an
    automatic choice of the layer is ambiguous; the hidden layer is h (marked by an Identity module)."""

    def __init__(self):
        super().__init__()
        self.fc1, self.mark, self.fc2, self.fc3 = nn.Linear(784, 16), nn.Identity(), nn.Linear(16, 10), nn.Linear(16, 10)

    def forward(self, x):
        z = self.fc1(x)
        g = torch.sigmoid(z)
        return self.fc2(self.mark(z * g)) + self.fc3(g)


class TransposedMlp(nn.Module):
    """relu(x @ (2 W1)^T + b1) @ W2^T with raw parameters: without constant folding the export computes
    the scaled, transposed weights at run time (Constant, Mul, Transpose); with it they are initialisers."""

    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(16, 784) * 0.01)
        self.b1 = nn.Parameter(torch.zeros(16))
        self.w2 = nn.Parameter(torch.randn(10, 16) * 0.1)
        self.mark = nn.Identity()

    def forward(self, x):
        return self.mark(torch.relu(x @ (self.w1 * 2.0).t() + self.b1)) @ self.w2.t()


ACTIVATIONS = {
    "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.01), "tanh": nn.Tanh, "gelu": nn.GELU,
    "silu": nn.SiLU, "hardswish": nn.Hardswish, "elu": nn.ELU, "gated": Gated,
}


def mlp(act, widths, norm=None, dropout=0.0):
    layers, d = [], 784
    for w in widths:
        layers.append(nn.Linear(d, w))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(w))
        elif norm == "layer":
            layers.append(nn.LayerNorm(w))
        layers.append(ACTIVATIONS[act]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        d = w
    layers.append(nn.Linear(d, 10))
    return nn.Sequential(*layers)


def cnn(act, batch_norm=False):
    """Conv(1->4, k5, s2) [BN] act, Conv(4->6, k3, s2) act, Flatten, Linear(150->16) act, Linear(16->10) on [N,1,28,28]."""
    layers = [nn.Conv2d(1, 4, 5, stride=2)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(4))
    layers += [ACTIVATIONS[act](), nn.Conv2d(4, 6, 3, stride=2), ACTIVATIONS[act](), nn.Flatten(),
               nn.Linear(6 * 5 * 5, 16), ACTIVATIONS[act](), nn.Linear(16, 10)]
    return nn.Sequential(*layers)


def zero_biases(model):
    """Zero biases, as the paper's networks start: the exporter then deduplicates equal initialisers."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)) and m.bias is not None:
            nn.init.zeros_(m.bias)


# Every series: one architecture and one export setting. "image" = [N,1,28,28] input, else [N,784].
SERIES = [
    dict(name="mlp-relu-opset9", model=lambda: mlp("relu", [16, 16]), opset=9, fold=True),
    dict(name="mlp-bn-dropout-opset10-fixed1", model=lambda: mlp("leaky_relu", [24, 16], norm="batch", dropout=0.2),
         opset=10, fold=True, batch=1),
    dict(name="mlp-tanh-opset11-keepinits-fixed8", model=lambda: mlp("tanh", [16, 16]), opset=11, fold=True,
         keep_inits=True, batch=8),
    dict(name="mlp-silu-opset12-nofold", model=lambda: mlp("silu", [24, 16]), opset=12, fold=False),
    dict(name="mlp-hardswish-opset13", model=lambda: mlp("hardswish", [24, 16]), opset=13, fold=True),
    dict(name="mlp-hardswish-opset14-keepinits-nofold", model=lambda: mlp("hardswish", [24, 16]), opset=14,
         fold=False, keep_inits=True),
    dict(name="mlp-gelu-ln-opset15", model=lambda: mlp("gelu", [24, 16], norm="layer"), opset=15, fold=True),
    dict(name="mlp-gelu-opset16-external", model=lambda: mlp("gelu", [24, 16], dropout=0.1), opset=16,
         fold=True, external=True),
    dict(name="mlp-ln-elu-opset17-nofold-fixed4", model=lambda: mlp("elu", [24, 16], norm="layer"), opset=17,
         fold=False, batch=4),
    dict(name="cnn-relu-opset13", model=lambda: cnn("relu"), opset=13, fold=True, image=True),
    dict(name="cnn-bn-silu-opset11-nofold-fixed2", model=lambda: cnn("silu", batch_norm=True), opset=11,
         fold=False, image=True, batch=2),
    dict(name="cnn-gelu-opset17-keepinits", model=lambda: cnn("gelu"), opset=17, fold=True, image=True,
         keep_inits=True),
    dict(name="lightning-relu-opset14", model=lambda: mlp("relu", [16, 16]), opset=14, fold=True,
         naming="lightning"),
    dict(name="gated-opset13", model=lambda: mlp("gated", [24, 16]), opset=13, fold=True),
    dict(name="two-exit-opset12", model=TwoExit, opset=12, fold=True),
    dict(name="folding-alternates-opset12", model=TransposedMlp, opset=12, fold="alternate"),
]

EPOCHS = 3          # checkpoints: epochs 0, 1, 2 (0 = initial weights)
TRAIN_IMAGES = 256  # the images trained on (the first of the file)
BATCH = 64          # SGD mini-batch; steps per epoch = TRAIN_IMAGES / BATCH


def file_name(series, epoch, step):
    if series.get("naming") == "lightning":
        return f"epoch={epoch}-step={step}.onnx"
    return f"epoch_{epoch:03d}.onnx"


def export(model, series, path, epoch):
    batch = series.get("batch")
    fold = epoch % 2 == 1 if series["fold"] == "alternate" else series["fold"]
    shape = [batch or 1, 1, 28, 28] if series.get("image") else [batch or 1, 784]
    dynamic = None if batch else {"input": {0: "batch"}, "output": {0: "batch"}}
    buffer = io.BytesIO()
    torch.onnx.export(model, torch.zeros(shape), buffer, opset_version=series["opset"],
                      do_constant_folding=fold, keep_initializers_as_inputs=series.get("keep_inits", False),
                      input_names=["input"], output_names=["output"], dynamic_axes=dynamic)
    proto = onnx.load_from_string(buffer.getvalue())
    if series.get("external"):
        location = os.path.basename(path) + ".data"
        onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=location, size_threshold=0)
    else:
        onnx.save_model(proto, path)


def reference(model, series, images, labels, pairs):
    """h2 at every hidden activation (in forward order), y2 and w for every pair, in float64."""
    model = model.double().eval()
    taken = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: taken.append(out.detach().reshape(out.shape[0], -1)))
             for m in model.modules() if isinstance(m, tuple(a for a in ACTIVATIONS.values() if isinstance(a, type)))
             or isinstance(m, (nn.LeakyReLU, nn.Identity))]
    idx = np.array([i for p in pairs for i in p])
    x = torch.from_numpy((images[idx].astype(np.float64) / 255.0 - 0.1307) / 0.3081)
    x = x.reshape(-1, 1, 28, 28) if series.get("image") else x.reshape(-1, 784)
    with torch.no_grad():
        out = model(x)
    for h in hooks:
        h.remove()
    a, b = slice(0, None, 2), slice(1, None, 2)
    targets = torch.nn.functional.one_hot(torch.from_numpy(labels[idx].astype(np.int64)), 10).double()
    dy, dyhat = targets[b] - targets[a], out[b] - out[a]
    y2 = (dyhat ** 2).sum(1)
    w = y2 - (dy * dyhat).sum(1)
    h2 = [((h[b] - h[a]) ** 2).sum(1) for h in taken]
    return [[dict(h2=float(h2[l][p]), y2=float(y2[p]), w=float(w[p]), wterm=float((dy * dyhat).sum(1)[p]))
             for p in range(len(pairs))] for l in range(len(taken))]


def train_epoch(model, series, images, labels, generator):
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    order = torch.randperm(TRAIN_IMAGES, generator=generator).numpy()
    steps = 0
    for start in range(0, TRAIN_IMAGES, BATCH):
        idx = order[start:start + BATCH]
        x = torch.from_numpy(((images[idx].astype(np.float32) / 255.0 - 0.1307) / 0.3081))
        x = x.reshape(-1, 1, 28, 28) if series.get("image") else x.reshape(-1, 784)
        y = torch.nn.functional.one_hot(torch.from_numpy(labels[idx].astype(np.int64)), 10).float()
        opt.zero_grad()
        loss = 0.5 * ((model(x) - y) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
        steps += 1
    return steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--only", default=None, help="comma-separated series names")
    args = parser.parse_args()
    images = read_idx(find(args.data, "train-images-idx3-ubyte"))
    labels = read_idx(find(args.data, "train-labels-idx1-ubyte"))
    rng = np.random.default_rng(14)
    pairs = []
    while len(pairs) < args.pairs:  # pairs of different classes among the images not trained on
        a, b = (int(v) for v in rng.integers(TRAIN_IMAGES, len(labels), 2))
        if labels[a] != labels[b]:
            pairs.append((a, b))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "pairs.csv"), "w") as f:
        f.write("a,b\n" + "".join(f"{a},{b}\n" for a, b in pairs))

    only = set(args.only.split(",")) if args.only else None
    corpus = dict(torch=torch.__version__, onnx=onnx.__version__, pairs=pairs, series=[])
    for k, series in enumerate(SERIES):
        if only and series["name"] not in only:
            continue
        torch.manual_seed(1000 + k)
        generator = torch.Generator().manual_seed(2000 + k)
        model = series["model"]()
        zero_biases(model)
        folder = os.path.join(args.out, series["name"])
        os.makedirs(folder, exist_ok=True)
        checkpoints, step = [], 0
        for epoch in range(EPOCHS):
            if epoch > 0:
                step += train_epoch(model, series, images, labels, generator)
            model.eval()
            name = file_name(series, epoch, step)
            export(model, series, os.path.join(folder, name), epoch)
            import copy
            values = reference(copy.deepcopy(model), series, images, labels, pairs)
            checkpoints.append(dict(file=name, epoch=epoch, step=step, layers=values))
        settings = {key: series.get(key) for key in ("opset", "fold", "keep_inits", "batch", "external", "image", "naming")}
        corpus["series"].append(dict(name=series["name"], settings=settings, checkpoints=checkpoints))
    with open(os.path.join(args.out, "corpus.json"), "w") as f:
        json.dump(corpus, f, indent=1)


if __name__ == "__main__":
    main()
