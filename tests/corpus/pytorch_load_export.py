#!/usr/bin/env python3
"""Loads `repalign export` files into a PyTorch MLP and runs them, as a Python user would.

Defines the network RepAlign trains (layers = nn.ModuleList of Linear; leaky ReLU, slope 0.01, after every hidden
layer), loads every file of FOLDER with torch.load (.pt) or by the safetensors specification (.safetensors; Debian
ships no safetensors package) into it with load_state_dict(strict=True), runs it in float32 on the images of
INPUTS (raw little-endian float32, COUNT rows of 784) and writes OUT (JSON): per file, every hidden layer's
post-activation output and the output, row by row.

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
        result[name] = dict(hidden=[h.tolist() for h in hidden], output=out.tolist())
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
