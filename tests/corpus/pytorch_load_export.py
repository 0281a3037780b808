#!/usr/bin/env python3
"""Loads `repalign export` files into a PyTorch MLP and runs them, as a Python user would.

Defines the network RepAlign trains (layers = nn.ModuleList of Linear; leaky ReLU, slope 0.01, after every hidden
layer), loads every file of FOLDER with torch.load (.pt) or by the safetensors specification (.safetensors; Debian
ships no safetensors package) into it with load_state_dict(strict=True), runs it in float32 on the images of
INPUTS (raw little-endian float32, COUNT rows of 784) and writes OUT (JSON): per file, every hidden layer's
post-activation output and the output, row by row ("float32"); the same network run in float64 from the same float32
weights ("exact", its own rounding is about 1e-16 relative) and, for every value, a rigorous bound on how far any
float32 evaluation of it can be from that, whatever order its sums take ("bound", see error_bound). Each of the three
holds "hidden" (one list of rows per hidden layer) and "output" (rows).

Usage: python3 pytorch_load_export.py --folder DIR --width P --depth L --inputs FILE --count N --out FILE
"""
import argparse
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)


class Mlp(nn.Module):
    def __init__(self, width, depth):
        super().__init__()
        widths = [784] + [width] * depth + [10]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))

    def forward(self, x):
        hidden = []
        for k, layer in enumerate(self.layers):
            x = layer(x)
            if k + 1 < len(self.layers):
                x = torch.nn.functional.leaky_relu(x, 0.01)
                hidden.append(x)
        return hidden, x


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    sizes = {"F32": ("<f4", 4), "F64": ("<f8", 8)}
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, _ = sizes[entry["dtype"]]
        begin, end = entry["data_offsets"]
        state[name] = torch.from_numpy(np.frombuffer(body[begin:end], dtype=dtype).reshape(entry["shape"]).copy())
    return state


def error_bound(model, x):
    """The float64 forward pass and the forward error bound of a float32 one, value by value.

    A float32 dot product of n terms plus a bias, summed in any order, is within gamma(n + 1) of the sum of the terms'
    magnitudes, gamma(k) = k u / (1 - k u), u = 2^-24 (the standard bound for inner products; blocked or pairwise
    sums do better). An input already off by e adds |W| e. The activation is 1-Lipschitz, and where the sign of z is
    certain (|z| > e) its slope, 1 or 0.01, scales the error; its negative branch rounds once. So, layer by layer:
    e' = |W| e + gamma(n + 1) (|W| (|h| + e) + |b|), then slope * e' + 2u |a| after the activation (the rounding,
    and float32's 0.01 being 0.01 (1 - 2.2e-8)).
    """
    u = 2.0 ** -24
    gamma = lambda k: k * u / (1 - k * u)
    h = x.double()
    e = torch.zeros_like(h)
    hidden, bounds = [], []
    for k, layer in enumerate(model.layers):
        w, b = layer.weight.double(), layer.bias.double()
        n = w.shape[1]
        z = h @ w.T + b
        e = e @ w.abs().T + gamma(n + 1) * ((h.abs() + e) @ w.abs().T + b.abs())
        if k + 1 < len(model.layers):
            h = torch.nn.functional.leaky_relu(z, 0.01)
            slope = torch.where(z.abs() <= e, 1.0, torch.where(z > 0, 1.0, 0.01))  # the sign is sure unless |z| <= e
            e = slope * e + 2 * u * h.abs()
            hidden.append(h)
            bounds.append(e)
        else:
            return hidden, z, bounds, e


def main():
    parser = argparse.ArgumentParser()
    for name in ("--folder", "--inputs", "--out"):
        parser.add_argument(name, required=True)
    for name in ("--width", "--depth", "--count"):
        parser.add_argument(name, type=int, required=True)
    args = parser.parse_args()
    x = torch.from_numpy(np.fromfile(args.inputs, dtype="<f4").reshape(args.count, 784))
    result = {}
    for name in sorted(os.listdir(args.folder)):
        path = os.path.join(args.folder, name)
        state = read_safetensors(path) if name.endswith(".safetensors") else torch.load(path)
        model = Mlp(args.width, args.depth)
        model.load_state_dict(state, strict=True)
        with torch.no_grad():
            hidden, out = model(x)
            exact_hidden, exact_out, bound_hidden, bound_out = error_bound(model, x)
        layers = lambda hidden, out: dict(hidden=[h.tolist() for h in hidden], output=out.tolist())
        result[name] = dict(float32=layers(hidden, out), exact=layers(exact_hidden, exact_out),
                            bound=layers(bound_hidden, bound_out))
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
