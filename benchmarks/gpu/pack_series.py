#!/usr/bin/env python3
"""Packs a folder of checkpoints of one architecture into one file small enough to carry, and back.

Consecutive checkpoints of a training run differ little: XOR-ing each file with the one before turns the bytes that did
not change (float signs, exponents and high mantissa bits) into zeros, which xz then compresses. Unpacking XORs them
back, so the files come out byte for byte as they went in (each file's SHA-256 is stored and checked).

  pack_series.py pack   OUT.xz FILE...     (the files in the order given; consecutive ones alike pack best)
  pack_series.py unpack IN.xz FOLDER
"""
import hashlib
import json
import lzma
import os
import sys

import numpy as np


def pack(out: str, paths: list) -> None:
    names = [os.path.basename(p) for p in paths]
    blobs = [open(p, "rb").read() for p in paths]
    header = json.dumps({"files": [{"name": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in zip(names, blobs)]}).encode()
    with lzma.open(out, "wb", preset=6) as f:
        f.write(len(header).to_bytes(8, "little"))
        f.write(header)
        previous = np.zeros(0, dtype=np.uint8)
        for blob in blobs:
            current = np.frombuffer(blob, dtype=np.uint8)
            delta = current.copy()
            n = min(len(previous), len(current))
            delta[:n] ^= previous[:n]
            f.write(delta.tobytes())
            previous = current


def unpack(packed: str, folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    with lzma.open(packed, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        previous = np.zeros(0, dtype=np.uint8)
        for entry in header["files"]:
            delta = np.frombuffer(f.read(entry["size"]), dtype=np.uint8).copy()
            n = min(len(previous), len(delta))
            delta[:n] ^= previous[:n]
            blob = delta.tobytes()
            if hashlib.sha256(blob).hexdigest() != entry["sha256"]:
                sys.exit(f"{packed}: {entry['name']} does not match its SHA-256 after unpacking")
            with open(os.path.join(folder, entry["name"]), "wb") as out:
                out.write(blob)
            previous = delta
    print(f"{len(header['files'])} files unpacked into {folder}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "pack":
        pack(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "unpack":
        unpack(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
