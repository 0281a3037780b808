#!/usr/bin/env bash
# Makes what the GPU check (benchmarks/gpu/check.sh) carries to a GPU machine, in parts of at most 50 MiB: the extraction
# bundle (repalign without the training core, self-contained, with ONNX Runtime's CUDA provider) and a run's checkpoints.
#
#   benchmarks/gpu/prepare.sh RUN_FOLDER PARTS_DIR        (from the repository root; RUN_FOLDER: a finished main job)
set -euo pipefail
run=$(realpath "${1:?usage: prepare.sh RUN_FOLDER PARTS_DIR}")
parts=$(realpath -m "${2:?usage: prepare.sh RUN_FOLDER PARTS_DIR}")
python=${PYTHON:-/usr/bin/python3}
bundle=artifacts/extraction
mkdir -p "$parts"
rm -f "$parts"/*.part-* "$parts"/*.xz

echo "== publish the extraction bundle"
rm -rf "$bundle"
dotnet publish src/RepAlign.Cli -c Release -r linux-x64 --self-contained -p:TrainingCore=false -o "$bundle" -v quiet -nologo
before=$(du -sb "$bundle" | cut -f1)
# Trim what a GPU node never loads: TensorRT's provider (no TensorRT there), debug symbols and XML docs.
rm -f "$bundle"/libonnxruntime_providers_tensorrt.so "$bundle"/*.pdb "$bundle"/*.xml
after=$(du -sb "$bundle" | cut -f1)
echo "bundle: $((before / 1048576)) MiB published, $((after / 1048576)) MiB after trimming; largest files:"
find "$bundle" -type f -printf '%s %P\n' | sort -rn | head -8 | awk '{printf "  %6.1f MiB  %s\n", $1 / 1048576, $2}'
if find "$bundle" -iname '*torch*' | grep -q .; then echo "the bundle carries TorchSharp or libtorch"; exit 1; fi

echo "== compress and split"
tar -C "$bundle" -cf - . | xz -T0 -6 > "$parts/bundle.tar.xz"
split -b 50M -d -a 2 "$parts/bundle.tar.xz" "$parts/bundle.tar.xz.part-"
files=("$run"/checkpoints/epoch-*.onnx "$run/checkpoints/index.json" "$run/run.json")
"$python" benchmarks/gpu/pack_series.py pack "$parts/run.xz" "${files[@]}"
split -b 50M -d -a 2 "$parts/run.xz" "$parts/run.xz.part-"
echo "bundle.tar.xz: $(du -m "$parts/bundle.tar.xz" | cut -f1) MiB; checkpoints: $(du -cm "${files[@]}" | tail -1 | cut -f1) MiB → run.xz $(du -m "$parts/run.xz" | cut -f1) MiB"
rm -f "$parts/bundle.tar.xz" "$parts/run.xz"
ls -l "$parts"
