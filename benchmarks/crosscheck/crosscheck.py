#!/usr/bin/python3
"""RepAlign against PyTorch from identical initial weights.

For each experiment, RepAlign trains the network (``repalign run``) and writes its epoch-0 ONNX checkpoint;
this script loads those weights into the same model built in PyTorch (Debian's python3-torch 1.13), trains it
with the same data, loss, optimiser and order, and compares h, y and w:

* two-point default (20 x 500, leaky ReLU, gain 1, SGD lr 0.005, 0.5*MSE): 1000 full-batch steps, layer 10;
* XOR rich (20 x 500, ReLU, gain 0.85, SGD lr 0.015, nn.MSELoss()): 1000 full-batch steps, layer 10, six pairs;
* MNIST MLP (784-200x4-10, leaky ReLU, gain 0.5, SGD lr 0.003, batch 64, 0.5*MSE): one epoch over 2,000 images
  in file order; h, y, w of 45 pairs (one per class pair) at every hidden layer after the epoch, and the weights.

Differences are "relative to the largest value": max_t |a_t - b_t| / max_t |b_t| per quantity (worst pair and
layer). Long point-set runs escape a plateau, which amplifies float32 rounding, so PyTorch float32 is also set
against PyTorch float64 from the same weights: that spread is the yardstick, with the agreement before the
escape (the first 100 steps) reported beside it.

    /usr/bin/python3 benchmarks/crosscheck/crosscheck.py --repalign PATH [--out DIR] [--quick] [--json FILE]

Run it from the repository root (it reads pipelines/ and data/mnist-10k).

--quick shrinks the point-set networks (depth 4, width 32, 300 steps) and MNIST (500 images) for the test suite.
"""
import argparse
import csv
import gzip
import json
import os
import shlex
import struct
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch

torch.set_num_threads(1)


# ---------------------------------------------------------------- the model, as the reference code builds it

class Mlp(torch.nn.Module):
    """L hidden Linear layers of width P and a linear read-out; returns (hidden outputs, prediction)."""

    def __init__(self, dims, activation):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.activation = activation

    def forward(self, x):
        hidden = []
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
            hidden.append(x)
        return hidden, self.layers[-1](x)


ACTIVATIONS = {
    "leaky_relu": torch.nn.functional.leaky_relu,  # negative slope 0.01, as the reference
    "relu": torch.nn.functional.relu,
}


def gemm_weights(path):
    """(weight (out, in), bias) of every Gemm node, in graph order."""
    model = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    out = []
    for node in model.graph.node:
        if node.op_type != "Gemm":
            continue
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        w = init[node.input[1]]
        out.append((w if trans_b == 1 else w.T, init[node.input[2]]))
    return out


def model_from_onnx(path, activation, dtype):
    weights = gemm_weights(path)
    dims = [weights[0][0].shape[1]] + [w.shape[0] for w, _ in weights]
    model = Mlp(dims, ACTIVATIONS[activation]).to(dtype)
    with torch.no_grad():
        for layer, (w, b) in zip(model.layers, weights):
            layer.weight.copy_(torch.from_numpy(w.astype(np.float64)).to(dtype))
            layer.bias.copy_(torch.from_numpy(b.astype(np.float64)).to(dtype))
    return model


def pair_metrics(h, out, y, pairs):
    """h2, y2, w of every pair: ||h_b - h_a||^2, ||yhat_b - yhat_a||^2, y2 - (y*_b - y*_a).(yhat_b - yhat_a)."""
    rows = []
    for a, b in pairs:
        dh = h[b] - h[a]
        dyhat = out[b] - out[a]
        y2 = float((dyhat * dyhat).sum())
        rows.append((float((dh * dh).sum()), y2, y2 - float(((y[b] - y[a]) * dyhat).sum())))
    return rows


def train_points(onnx_path, activation, x, y, pairs, layer, lr, steps, loss_kind, dtype):
    """Full-batch SGD; h, y, w of every pair before each update (epochs 0 … steps), as RepAlign records them."""
    model = model_from_onnx(onnx_path, activation, dtype)
    x = torch.tensor(x, dtype=dtype)
    y = torch.tensor(y, dtype=dtype)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    records = []
    for epoch in range(steps + 1):
        hidden, out = model(x)
        loss = torch.nn.functional.mse_loss(out, y)
        if loss_kind == "half_mse":
            loss = 0.5 * loss
        records.append(pair_metrics(hidden[layer].detach(), out.detach(), y, pairs))
        if epoch == steps:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    return np.array(records)  # (epochs, pairs, 3)


# ---------------------------------------------------------------- running RepAlign

def repalign(binary, pipeline, out, sets):
    cmd = shlex.split(binary) + ["run", pipeline, "--out", out, "--csv"] + sum((["--set", s] for s in sets), [])
    started = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.time() - started


def repalign_records(run, pairs_count, layer, steps):
    by_key = {}
    with open(os.path.join(run, "train", "metrics.csv")) as f:
        for r in csv.DictReader(f):
            if int(r["layer"]) == layer:
                by_key[(int(r["epoch"]), int(r["pair"]))] = (float(r["h2"]), float(r["y2"]), float(r["w"]))
    return np.array([[by_key[(e, p)] for p in range(pairs_count)] for e in range(steps + 1)])


def relative(a, b, upto=None, scale_of=None):
    """max over epochs (the first `upto`) and pairs of |a - b| / max_t |c|, per quantity (h, y, w); c = b over the
    same epochs, or all of scale_of."""
    scale = (np.abs(b[:upto]) if scale_of is None else np.abs(scale_of)).max(axis=0)  # (pairs, 3)
    scale[scale == 0] = 1.0
    return [float((np.abs(a[:upto] - b[:upto]).max(axis=0) / scale)[:, q].max()) for q in range(3)]


def point_set_experiment(args, name, pipeline, sets, x, y, pairs, activation, lr, loss_kind, layer, steps):
    out = os.path.join(args.out, name)
    seconds = repalign(args.repalign, pipeline, out, sets)
    onnx0 = os.path.join(out, "checkpoints", "epoch-00000.onnx")
    ours = repalign_records(out, len(pairs), layer, steps)
    t = time.time()
    f32 = train_points(onnx0, activation, x, y, pairs, layer, lr, steps, loss_kind, torch.float32)
    torch_seconds = time.time() - t
    f64 = train_points(onnx0, activation, x, y, pairs, layer, lr, steps, loss_kind, torch.float64)
    early = min(100, steps)
    return {
        "experiment": name,
        "steps": steps,
        "repalign_vs_torch32": relative(ours, f32),
        "repalign_vs_torch32_first_100": relative(ours, f32, early + 1),
        "repalign_vs_torch32_first_100_of_run_max": relative(ours, f32, early + 1, scale_of=f32),
        "torch32_vs_torch64_first_100": relative(f32, f64, early + 1),
        "torch32_vs_torch64": relative(f32, f64),
        "repalign_vs_torch64": relative(ours, f64),
        "repalign_seconds": seconds,
        "torch32_seconds": torch_seconds,
    }


def two_points(args, quick):
    depth, width, steps = (4, 32, 300) if quick else (20, 500, 1000)
    # x_A = -1, x_B = 0 (dx2 = 1); y_A = 0.6, y_B = 0.6 + sqrt(0.5) (docs/theory.md §3)
    x = np.array([[-1.0], [0.0]], dtype=np.float32)
    y = np.array([[0.6], [0.6 + np.sqrt(0.5)]], dtype=np.float32)
    sets = [f"model.depth={depth}", f"model.width={width}", f"train.epochs={steps}", "checkpoints.count=2",
            "train.lr=0.005", "fit.fit_loss=false", "fit.grid_points=20"]
    return point_set_experiment(args, "two-point default", "pipelines/two-points.toml", sets, x, y, [(0, 1)],
                                "leaky_relu", 0.005, "half_mse", depth // 2, steps)


def xor_rich(args, quick):
    depth, width, steps = (4, 32, 300) if quick else (20, 500, 1000)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    pairs = [(a, b) for a in range(4) for b in range(a + 1, 4)]
    sets = [f"model.depth={depth}", f"model.width={width}", f"train.epochs={steps}", "checkpoints.count=2",
            "model.gain=0.85", "train.lr=0.015", "train.loss=mse", "model.activation=relu", "fit.grid_points=20",
            "fit.fit_loss=false"]
    return point_set_experiment(args, "XOR rich", "pipelines/two-points.toml", ["data.kind=xor"] + sets, x, y, pairs,
                                "relu", 0.015, "mse", depth // 2, steps)


# ---------------------------------------------------------------- MNIST

def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    dims = struct.unpack(">" + "i" * (magic & 0xFF), data[4:4 + 4 * (magic & 0xFF)])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def write_idx(path, array):
    header = struct.pack(">i", 0x0800 | array.ndim) + struct.pack(">" + "i" * array.ndim, *array.shape)
    with open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def mnist(args, quick):
    count = 500 if quick else 2000
    images = read_idx("data/mnist-10k/train-images-idx3-ubyte.gz")[:count]
    labels = read_idx("data/mnist-10k/train-labels-idx1-ubyte.gz")[:count]
    folder = os.path.join(args.out, "mnist-data")
    os.makedirs(folder, exist_ok=True)
    write_idx(os.path.join(folder, "train-images-idx3-ubyte"), images)
    write_idx(os.path.join(folder, "train-labels-idx1-ubyte"), labels)
    out = os.path.join(args.out, "mnist")
    sets = [f"data.path={os.path.abspath(folder)}", "data.held_out=0", "train.epochs=1", "train.shuffle=false",
            "extract.pairs=per-class-pair:1", "extract.linear_probe=false", "fit.grid_points=20"]
    seconds = repalign(args.repalign, "pipelines/mnist-pairs.toml", out, sets)
    onnx0 = os.path.join(out, "checkpoints", "epoch-00000.onnx")
    onnx1 = os.path.join(out, "checkpoints", "epoch-00001.onnx")

    # RepAlign's normalisation: float32((pixel / 255 - 0.1307) / 0.3081) computed in double.
    x64 = ((images.reshape(count, -1).astype(np.float64) / 255.0 - 0.1307) / 0.3081)
    y = np.eye(10, dtype=np.float64)[labels]

    def train(dtype):
        model = model_from_onnx(onnx0, "leaky_relu", dtype)
        xt = torch.tensor(x64.astype(np.float32).astype(np.float64), dtype=dtype)
        yt = torch.tensor(y, dtype=dtype)
        opt = torch.optim.SGD(model.parameters(), lr=0.003)
        for start in range(0, count, 64):  # file order, the last batch smaller
            _, out_ = model(xt[start:start + 64])
            loss = 0.5 * torch.nn.functional.mse_loss(out_, yt[start:start + 64])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model

    first = {}
    for i, l in enumerate(labels):
        first.setdefault(int(l), i)
    pairs = [(first[a], first[b]) for a in range(10) for b in range(a + 1, 10) if a in first and b in first]

    def metrics(model, dtype):
        xt = torch.tensor(x64.astype(np.float32).astype(np.float64), dtype=dtype)
        with torch.no_grad():
            hidden, out_ = model(xt)
        return np.array([pair_metrics(h, out_, torch.tensor(y, dtype=dtype), pairs) for h in hidden])  # (layers, pairs, 3)

    t = time.time()
    torch32 = train(torch.float32)
    torch_seconds = time.time() - t
    torch64 = train(torch.float64)
    ours = model_from_onnx(onnx1, "leaky_relu", torch.float64)  # RepAlign's trained weights, evaluated in float64
    m_ours, m32, m64 = metrics(ours, torch.float64), metrics(torch32.to(torch.float64), torch.float64), metrics(torch64, torch.float64)

    def rel(a, b):
        scale = np.abs(b).max(axis=1, keepdims=True)  # per layer and quantity, over pairs
        scale[scale == 0] = 1.0
        return [float((np.abs(a - b) / scale)[:, :, q].max()) for q in range(3)]

    def weights_rel(a, b):
        """The largest parameter difference over the largest parameter (a bias that barely moves, its gradient a sum
        with heavy cancellation, would dominate a per-tensor ratio without saying anything about training)."""
        diff = max(float((pa.detach().double() - pb.detach().double()).abs().max()) for pa, pb in zip(a.parameters(), b.parameters()))
        return diff / max(float(pb.detach().double().abs().max()) for pb in b.parameters())

    return {
        "experiment": "MNIST MLP",
        "steps": (count + 63) // 64,
        "images": count,
        "repalign_vs_torch32": rel(m_ours, m32),
        "torch32_vs_torch64": rel(m32, m64),
        "repalign_vs_torch64": rel(m_ours, m64),
        "weights_repalign_vs_torch32": weights_rel(ours, torch32),
        "weights_torch32_vs_torch64": weights_rel(torch32, torch64),
        "repalign_seconds": seconds,
        "torch32_seconds": torch_seconds,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repalign", required=True, help="the repalign command, e.g. src/RepAlign.Cli/bin/Release/net10.0/linux-x64/repalign")
    p.add_argument("--out", default="crosscheck-runs")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", help="write the results here")
    p.add_argument("--only", default="two-points,xor,mnist")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    experiments = {"two-points": two_points, "xor": xor_rich, "mnist": mnist}
    results = []
    for name in args.only.split(","):
        r = experiments[name](args, args.quick)
        results.append(r)
        print(json.dumps(r), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "quick": args.quick, "results": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
