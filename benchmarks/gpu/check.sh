#!/usr/bin/env bash
# The GPU check of the extraction bundle (README "Devices"), on a machine with an NVIDIA GPU whose CUDA 13, cuBLAS and
# cuDNN 9 libraries come as Python packages (nvidia-*), and with no .NET: reassembles the bundle and the main job's
# checkpoints from the parts benchmarks/gpu/prepare.sh made, reanalyses the checkpoints with --device cuda and
# --device cpu, compares h2, y2 and w, and measures images per second. Prints one summary line; the log goes to $OUT.
#
#   benchmarks/gpu/check.sh PARTS_DIR [OUT_DIR]       (from the repository root; OUT_DIR defaults to $OUT)
#   benchmarks/gpu/check.sh PARTS_DIR OUT_DIR --cpu-only   (the half that needs no GPU: runs anywhere)
set -uo pipefail
parts=$(realpath "${1:?usage: check.sh PARTS_DIR [OUT_DIR] [--cpu-only]}")
out=$(realpath -m "${2:-${OUT:-/tmp/repalign-gpu-out}}")
cpu_only=${3:-}
work=${REPALIGN_GPU_WORK:-/tmp/repalign-gpu}
mkdir -p "$out" "$work"
log="$out/gpu-check.log"
exec > >(tee "$log") 2>&1
python=${PYTHON:-python3}
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%T)"; }

step "reassemble the bundle"
rm -rf "$work/bundle" "$work/run" && mkdir -p "$work/bundle" "$work/run"
cat "$parts"/bundle.tar.xz.part-* | xz -d -T0 | tar -x -C "$work/bundle" || { echo "bundle: cannot reassemble"; exit 1; }
repalign="$work/bundle/repalign"
[ -x "$repalign" ] || { echo "bundle: no repalign executable in it"; exit 1; }
du -sh "$work/bundle"
torch=$(find "$work/bundle" -iname '*torch*' | wc -l)
echo "files with 'torch' in their name in the bundle: $torch"
[ "$torch" -eq 0 ] || { echo "the extraction bundle must not carry libtorch or TorchSharp"; exit 1; }

step "reassemble the main job's checkpoints"
cat "$parts"/run.xz.part-* > "$work/run.xz"
"$python" benchmarks/gpu/pack_series.py unpack "$work/run.xz" "$work/run" || exit 1
mkdir -p "$work/run/checkpoints" && mv "$work/run"/*.onnx "$work/run/index.json" "$work/run/checkpoints/"
echo "$(ls "$work/run/checkpoints"/*.onnx | wc -l) checkpoints and run.json in $work/run"

if [ "$cpu_only" != "--cpu-only" ]; then
  step "CUDA libraries from the Python packages"
  nv=$("$python" -c 'import nvidia, os; print(os.path.dirname(list(nvidia.__path__)[0] + "/x"))' 2>/dev/null)
  libs=$(find "$nv" -maxdepth 2 -type d -name lib | tr '\n' ':')
  export LD_LIBRARY_PATH="${libs}${LD_LIBRARY_PATH:-}"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
fi

run() { # device: reanalyses the checkpoints, and records every native library the process maps while it runs
  local device=$1 start end pid maps
  maps="$work/$device.maps"
  start=$(date +%s.%N)
  "$repalign" reanalyze --checkpoints "$work/run" --device "$device" --to extract --out "$work/$device" &
  pid=$!
  : > "$maps"
  while kill -0 "$pid" 2>/dev/null; do cat "/proc/$pid/maps" >> "$maps" 2>/dev/null; sleep 0.2; done
  wait "$pid" || return 1
  end=$(date +%s.%N)
  echo "reanalyze --device $device: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s wall"
  awk '$6 ~ /\.so/ { print $6 }' "$maps" | sort -u > "$maps.libs"
  echo "native libraries mapped by the process: $(wc -l < "$maps.libs"); with 'torch' in their path: $(grep -ci torch "$maps.libs")"
  grep -E 'onnxruntime|cudnn|cublas' "$maps.libs" | sed 's|^|  |'
  if grep -qi torch "$maps.libs"; then echo "reanalyze mapped libtorch or TorchSharp"; return 1; fi
}
step "reanalyze on the CPU"
run cpu || { echo "SUMMARY gpu-check: cpu reanalysis failed"; exit 1; }
if [ "$cpu_only" = "--cpu-only" ]; then
  echo "SUMMARY gpu-check (cpu half): bundle $(du -sh "$work/bundle" | cut -f1) unpacked, no libtorch in it or mapped by reanalyze; cpu reanalysis ok"
  exit 0
fi
step "reanalyze on CUDA"
run cuda || { echo "SUMMARY gpu-check: cuda reanalysis failed (see the log)"; exit 1; }

step "compare and summarise"
"$python" benchmarks/gpu/compare.py "$work/cpu" "$work/cuda" "$work/run" | tee "$out/summary.txt"
