#!/usr/bin/env python3
"""Compares the pairs tables of a CPU and a CUDA reanalysis and prints the GPU check's figures and summary line.

  compare.py CPU_RUN CUDA_RUN CHECKPOINT_RUN

h2, y2 and w must agree within 1e-5 relative: |cuda − cpu| ≤ 1e-5 · max(|cpu|, 1e-6 · the column's largest |cpu|), so
values near zero are judged against the column's scale rather than against themselves.
"""
import json
import re
import sys

import pyarrow.parquet as pq

TOLERANCE = 1e-5
# FP32 peak of an H200 SXM without tensor cores (NVIDIA's data sheet: 67 TFLOP/s); ONNX Runtime runs these GEMMs in
# full float32 here (use_tf32 = 0), so that is the ceiling they are measured against.
PEAK_FP32 = 67e12


def table(run):
    t = pq.read_table(f"{run}/extract/pairs.parquet").to_pandas()
    return t.sort_values(["epoch", "layer", "pair"]).reset_index(drop=True)


def images_per_second(run):
    message = json.load(open(f"{run}/run.json"))["stages"]["extract"]["message"]
    return float(re.search(r"([0-9.]+) images/s", message).group(1)), message


def flops_per_image(run):
    spec = json.load(open(f"{run}/run.json"))["spec"]["model"]
    widths = [784] + [spec["width"]] * spec["depth"] + [10]
    return 2 * sum(a * b for a, b in zip(widths, widths[1:]))


cpu, cuda, checkpoints = sys.argv[1:4]
a, b = table(cpu), table(cuda)
assert len(a) == len(b) > 0, f"row counts differ or are empty: cpu {len(a)}, cuda {len(b)}"
assert (a[["epoch", "layer", "pair"]].values == b[["epoch", "layer", "pair"]].values).all(), "rows are not the same (epoch, layer, pair)"
worst = {}
for column in ["h2", "y2", "w"]:
    scale = a[column].abs().max()
    denominator = a[column].abs().clip(lower=1e-6 * scale)
    worst[column] = float(((b[column] - a[column]).abs() / denominator).max())
ips_cpu, message_cpu = images_per_second(cpu)
ips_cuda, message_cuda = images_per_second(cuda)
flops = flops_per_image(checkpoints)
efficiency = ips_cuda * flops / PEAK_FP32
print(f"rows compared: {len(a)} ({a.epoch.nunique()} checkpoints × {a.layer.nunique()} layers × {a.pair.nunique()} pairs)")
print(f"worst relative difference cuda vs cpu: h2 {worst['h2']:.2e}, y2 {worst['y2']:.2e}, w {worst['w']:.2e} (tolerance {TOLERANCE:g})")
print(f"cpu extract: {message_cpu}")
print(f"cuda extract: {message_cuda}")
print(f"forward pass: {flops:,} FLOP per image; cuda {ips_cuda:,.0f} images/s = {ips_cuda * flops / 1e12:.3f} TFLOP/s = "
      f"{100 * efficiency:.2f} % of the H200's {PEAK_FP32 / 1e12:.0f} TFLOP/s FP32 peak; cpu {ips_cpu:,.0f} images/s; cuda/cpu {ips_cuda / ips_cpu:.2f}×")
ok = all(v <= TOLERANCE for v in worst.values())
print(f"SUMMARY gpu-check: {'PASS' if ok else 'FAIL'}: cuda ≡ cpu within {max(worst.values()):.1e} over {len(a)} rows; "
      f"{ips_cuda:,.0f} images/s cuda vs {ips_cpu:,.0f} cpu ({ips_cuda / ips_cpu:.1f}×); {100 * efficiency:.2f} % of FP32 peak")
sys.exit(0 if ok else 1)
