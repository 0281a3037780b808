#!/usr/bin/env bash
# End-to-end timings for an idle machine (issue 24's closing figures). Run from anywhere; nothing else should run.
#
#   benchmarks/timing/idle-timing.sh main-job [RUNS=3] [OUT=/tmp/repalign-timing]
#       The main job as shipped (pipelines/mnist-pairs.toml), RUNS times, each into a fresh folder: every stage's
#       seconds (from run.json), their sum, and the median over the runs; the SHA-256 of the output tables, which
#       must be the same in every run (training is deterministic for a seed).
#   benchmarks/timing/idle-timing.sh paper [OUT=/tmp/repalign-paper]
#       repalign reproduce --profile paper into a fresh folder, one experiment at a time (--only) and then the pass
#       that writes reproduction.csv and .html: the wall seconds of each and their total (the goal is 90 min), and a
#       count of the verdicts (compare reproduction.csv with docs/reproduction). Needs the full MNIST set
#       (repalign fetch-mnist). EXPERIMENTS="final-distance xor ... all" runs a subset or another order (name "all" last
#       for the page); RESUME=1 keeps OUT. Each experiment's reproduction.csv is kept as reproduction-<experiment>.csv,
#       so a stopped run still has its verdicts.
#
# Each prints `uptime` before and after: a load average above ~0.3 means the machine was not idle.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-main-job}
dotnet build src/RepAlign.Cli -c Release -v q -nologo >/dev/null
cli=(dotnet src/RepAlign.Cli/bin/Release/net10.0/linux-x64/repalign.dll)

stages() { # run.json → "stage seconds" lines and the sum
  python3 - "$1" <<'EOF'
import json, sys
stages = json.load(open(sys.argv[1]))["stages"]
total = 0.0
for name in ["train", "extract", "fit", "analyze", "report"]:
    s = stages[name]["seconds"]; total += s
    print(f"{name:8s} {s:8.2f}")
print(f"{'sum':8s} {total:8.2f}")
EOF
}

case "$mode" in
main-job)
  runs=${2:-3}; out=${3:-/tmp/repalign-timing}
  for i in $(seq 1 "$runs"); do
    rm -rf "$out/run-$i"
    echo "== run $i: $(uptime)"
    "${cli[@]}" run pipelines/mnist-pairs.toml --out "$out/run-$i" >"$out-run-$i.log" 2>&1
    stages "$out/run-$i/run.json" | tee "$out/run-$i/stage-seconds.txt"
    (cd "$out/run-$i" && sha256sum train/loss.parquet extract/pairs.parquet extract/probe.parquet fit/fits.csv)
  done
  echo "== medians over $runs runs: $(uptime)"
  python3 - "$out" "$runs" <<'EOF'
import statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
rows = {}
for i in range(1, runs + 1):
    for line in open(f"{out}/run-{i}/stage-seconds.txt"):
        name, value = line.split(); rows.setdefault(name, []).append(float(value))
for name, values in rows.items():
    print(f"{name:8s} {statistics.median(values):8.2f}   {values}")
EOF
  ;;
paper)
  out=${2:-/tmp/repalign-paper}
  [ "${RESUME:-0}" = 1 ] || rm -rf "$out" # RESUME=1 keeps the folder: finished experiments are skipped
  mkdir -p "$out"
  # EXPERIMENTS (space-separated) runs a subset or another order; "all" (the pass that writes the page, and runs any
  # experiment not yet run) is the default's last entry and must be named in a list of one's own.
  read -r -a experiments <<<"${EXPERIMENTS:-architectures init-scale mnist-pairs final-distance depth alternative-dynamics xor mnist-structure context-blobs all}"
  echo "== start: $(uptime)"
  [ "${RESUME:-0}" = 1 ] || : >"$out/wall-seconds.txt"
  for e in "${experiments[@]}"; do # each experiment alone, then the pass that skips them all and writes the page
    only=(--only "$e"); [ "$e" = all ] && only=()
    start=$(date +%s.%N)
    "${cli[@]}" reproduce --profile paper "${only[@]}" --out "$out" >>"$out.log" 2>&1 || echo "$e: exit code $?" | tee -a "$out/wall-seconds.txt"
    echo "$e $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" | tee -a "$out/wall-seconds.txt"
    [ -f "$out/reproduction.csv" ] && cp "$out/reproduction.csv" "$out/reproduction-$e.csv" # each pass rewrites it
    echo "   $(uptime)"
  done
  awk '$2 ~ /^[0-9.]+$/ { total += $2 } END { printf "total %.0f s = %.1f min wall\n", total, total / 60 }' "$out/wall-seconds.txt"
  echo "== end: $(uptime)"
  [ -f "$out/reproduction.csv" ] && python3 - "$out/reproduction.csv" <<'EOF'
import collections, csv, sys
counts = collections.Counter(row["verdict"] for row in csv.DictReader(open(sys.argv[1], encoding="utf-8")))
print("== verdicts:", ", ".join(f"{n} {verdict}" for verdict, n in counts.most_common()))
EOF
  ;;
*) echo "usage: $0 main-job [RUNS] [OUT] | paper [OUT]" >&2; exit 2 ;;
esac
