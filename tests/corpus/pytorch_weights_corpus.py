#!/usr/bin/env python3
"""PyTorch weight files as research code saves them, with PyTorch's own pair metrics.

Trains a 784-64-64-64-10 leaky-ReLU MLP (slope 0.01, biases zero at the start, SGD lr 0.05, batch 64) for a few
epochs on the first images of an MNIST folder and saves the weights before training and after every epoch, as:

  layers/epoch_N.pt                    torch.save(model.state_dict()), names layers.K.weight / layers.K.bias
  sequential/ckpt_N.pth                torch.save of the same weights in an nn.Sequential (0.*, 2.*, 4.*, 6.*)
  safetensors/step-00000M.safetensors  the state_dict as safetensors, written by the format's specification
                                       (8-byte little-endian header length, JSON header, raw data), since
                                       Debian ships no safetensors package
  lightning/epoch=N-step=M.ckpt        a PyTorch Lightning checkpoint dictionary saved with torch.save:
                                       epoch, global_step, state_dict with the LightningModule's "model."
                                       prefix, optimizer_states, lr_schedulers, callbacks, loops, hyper_parameters
  custom/epoch_N.pt                    the state_dict under names no order can match (first, second, third,
                                       readout), with OUT/param_map.csv naming them for --param-map
  onnx/epoch_N.onnx                    torch.onnx.export of the same weights (opset 13, dynamic batch)

and OUT/pairs.csv (columns a,b: pairs of different classes among images not trained on), OUT/model.toml (the
network as a [model] table) and OUT/corpus.json: per checkpoint its epoch, step and, for every hidden layer and
pair, h2 = |h(x_b) - h(x_a)|^2 of the post-activation output, y2 of the output and w = y2 - (y*_b - y*_a).(yhat_b
- yhat_a) with one-hot targets (wterm the dot product), computed in float64. Images are (pixel/255 - 0.1307)/0.3081.

Usage: python3 pytorch_weights_corpus.py --data DIR_WITH_MNIST_IDX --out DIR [--pairs N] [--epochs N]
Needs Debian's python3-torch (1.13) and python3-onnx.
"""
import argparse
import collections
import io
import json
import os
import struct
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn

from pytorch_export_corpus import find, read_idx

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

WIDTHS = [784, 64, 64, 64, 10]
SLOPE = 0.01
TRAIN_IMAGES = 512
BATCH = 64
CUSTOM = ["first", "second", "third", "readout"]  # names of layers.0 … layers.3 in custom/


class Mlp(nn.Module):
    """layers.K: Linear; leaky ReLU after every hidden layer."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(WIDTHS, WIDTHS[1:]))

    def forward(self, x, hidden=None):
        for k, layer in enumerate(self.layers):
            x = layer(x)
            if k + 1 < len(self.layers):
                x = torch.nn.functional.leaky_relu(x, SLOPE)
                if hidden is not None:
                    hidden.append(x)
        return x


def sequential(model):
    """The same weights as nn.Sequential(Linear, LeakyReLU, …, Linear): names 0.*, 2.*, 4.*, 6.*."""
    mods = []
    for k, layer in enumerate(model.layers):
        mods.append(layer)
        if k + 1 < len(model.layers):
            mods.append(nn.LeakyReLU(SLOPE))
    return nn.Sequential(*mods)


def save_safetensors(state, path):
    """The safetensors format by its specification: u64 little-endian N, N bytes of JSON (padded with spaces to a
    multiple of 8, as the reference writer does), then every tensor's little-endian bytes at its data_offsets."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in state.items():
        data = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def lightning(model, optimizer, epoch, step):
    """The dictionary Lightning's trainer.save_checkpoint writes (keys of Lightning 2.x), the module's attribute
    holding the network being `model`."""
    state = collections.OrderedDict(("model." + k, v) for k, v in model.state_dict().items())
    return {
        "epoch": epoch, "global_step": step, "pytorch-lightning_version": "2.1.0", "state_dict": state,
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": epoch, "completed": epoch}}}},
        "callbacks": {"ModelCheckpoint{'monitor': None, 'mode': 'min'}": {
            "best_model_score": None, "best_model_path": "", "kth_value": torch.tensor(float("inf")), "best_k_models": {}}},
        "optimizer_states": [optimizer.state_dict()], "lr_schedulers": [],
        "hparams_name": "kwargs", "hyper_parameters": {"lr": 0.05, "widths": WIDTHS},
    }


def reference(state, images, labels, pairs):
    """h2 per hidden layer, y2 and w per pair, in float64 from the checkpoint's weights."""
    model = Mlp().double()
    model.load_state_dict({k: v.double() for k, v in state.items()})
    idx = np.array([i for p in pairs for i in p])
    x = torch.from_numpy((images[idx].astype(np.float64) / 255.0 - 0.1307) / 0.3081).reshape(-1, 784)
    hidden = []
    with torch.no_grad():
        out = model(x, hidden)
    a, b = slice(0, None, 2), slice(1, None, 2)
    targets = torch.nn.functional.one_hot(torch.from_numpy(labels[idx].astype(np.int64)), 10).double()
    dy, dyhat = targets[b] - targets[a], out[b] - out[a]
    y2 = (dyhat ** 2).sum(1)
    wterm = (dy * dyhat).sum(1)
    return [[dict(h2=float(((h[b] - h[a]) ** 2).sum(1)[p]), y2=float(y2[p]), w=float(y2[p] - wterm[p]), wterm=float(wterm[p]))
             for p in range(len(pairs))] for h in hidden]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    images = read_idx(find(args.data, "train-images-idx3-ubyte"))
    labels = read_idx(find(args.data, "train-labels-idx1-ubyte"))
    rng = np.random.default_rng(25)
    pairs = []
    while len(pairs) < args.pairs:
        a, b = (int(v) for v in rng.integers(TRAIN_IMAGES, len(labels), 2))
        if labels[a] != labels[b]:
            pairs.append((a, b))
    for kind in ("layers", "sequential", "safetensors", "lightning", "custom", "onnx"):
        os.makedirs(os.path.join(args.out, kind), exist_ok=True)
    with open(os.path.join(args.out, "pairs.csv"), "w") as f:
        f.write("a,b\n" + "".join(f"{a},{b}\n" for a, b in pairs))
    with open(os.path.join(args.out, "model.toml"), "w") as f:
        f.write('[model]\nkind = "mlp"\nwidth = 64\ndepth = 3\nactivation = "leaky_relu"\n')
    with open(os.path.join(args.out, "param_map.csv"), "w") as f:
        f.write("name,parameter\n" + "".join(f"{CUSTOM[k]}.{leaf},layers.{k}.{leaf}\n" for k in range(4) for leaf in ("weight", "bias")))

    torch.manual_seed(3)
    model = Mlp()
    for layer in model.layers:
        nn.init.zeros_(layer.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    generator = torch.Generator().manual_seed(4)
    checkpoints, step = [], 0
    for epoch in range(args.epochs + 1):
        if epoch > 0:
            order = torch.randperm(TRAIN_IMAGES, generator=generator).numpy()
            for start in range(0, TRAIN_IMAGES, BATCH):
                idx = order[start:start + BATCH]
                x = torch.from_numpy((images[idx].astype(np.float32) / 255.0 - 0.1307) / 0.3081).reshape(-1, 784)
                y = torch.nn.functional.one_hot(torch.from_numpy(labels[idx].astype(np.int64)), 10).float()
                optimizer.zero_grad()
                (0.5 * ((model(x) - y) ** 2).sum(1).mean()).backward()
                optimizer.step()
                step += 1
        state = model.state_dict()
        files = dict(layers=f"epoch_{epoch}.pt", sequential=f"ckpt_{epoch}.pth", safetensors=f"step-{step:06d}.safetensors",
                     lightning=f"epoch={epoch}-step={step}.ckpt", custom=f"epoch_{epoch}.pt", onnx=f"epoch_{epoch}.onnx")
        torch.save(state, os.path.join(args.out, "layers", files["layers"]))
        torch.save(sequential(model).state_dict(), os.path.join(args.out, "sequential", files["sequential"]))
        save_safetensors(state, os.path.join(args.out, "safetensors", files["safetensors"]))
        torch.save(lightning(model, optimizer, epoch, step), os.path.join(args.out, "lightning", files["lightning"]))
        custom = collections.OrderedDict((CUSTOM[int(k.split(".")[1])] + "." + k.split(".")[2], v) for k, v in state.items())
        torch.save(custom, os.path.join(args.out, "custom", files["custom"]))
        buffer = io.BytesIO()
        torch.onnx.export(model, torch.zeros(1, 784), buffer, opset_version=13, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        onnx.save_model(onnx.load_from_string(buffer.getvalue()), os.path.join(args.out, "onnx", files["onnx"]))
        checkpoints.append(dict(epoch=epoch, step=step, files=files, layers=reference(state, images, labels, pairs)))
    with open(os.path.join(args.out, "corpus.json"), "w") as f:
        json.dump(dict(torch=torch.__version__, pairs=pairs, checkpoints=checkpoints), f, indent=1)


if __name__ == "__main__":
    main()
