#!/usr/bin/env bash
# Measures --executor slurm against local runs on the machine's Slurm (e.g. the single-node one of .ci/slurm-up):
#   benchmarks/slurm/measure.sh sweep PIPELINE.toml OUT [repalign args...]   a sweep locally, then as a job array + gather
#   benchmarks/slurm/measure.sh mnist PIPELINE.toml OUT SHARDS [args...]     a single MNIST run locally, then sharded
# Prints wall times, their ratio, the submission command's time, and per task: queue wait, time in the job, and the time
# of the job that is not stage work (process start, loading, Slurm's launch: Slurm's elapsed minus run.json's stage seconds).
set -euo pipefail
mode=$1; pipeline=$(realpath "$2"); out=$(realpath -m "$3"); shift 3
repalign=${REPALIGN:-src/RepAlign.Cli/bin/Release/net10.0/linux-x64/repalign}
shards=()
if [ "$mode" = mnist ]; then shards=(--shards "$1"); shift; fi
rm -rf "$out"; mkdir -p "$out"
now() { date +%s.%N; }

t0=$(now); /usr/bin/time -f "%M" -o "$out/local.rss" "$repalign" run "$pipeline" "$@" --out "$out/local" >"$out/local.log" 2>&1; t1=$(now)
local_wall=$(echo "$t1 - $t0" | bc)
echo "local run's peak resident memory: $(( $(cat "$out/local.rss") / 1024 )) MiB"

t0=$(now); "$repalign" run "$pipeline" "$@" --out "$out/slurm" --executor slurm "${shards[@]}" >"$out/submit.log" 2>&1; t1=$(now)
submit=$(echo "$t1 - $t0" | bc)
ids=$(python3 -c "import json,sys; print(','.join(j['job_id'] for j in json.load(open(sys.argv[1]))))" "$out/slurm/slurm/jobs.json")
while squeue -h -j "$ids" -o %i 2>/dev/null | grep -q .; do sleep 0.5; done
t2=$(now)
slurm_wall=$(echo "$t2 - $t0" | bc)

echo "local wall: ${local_wall} s"
echo "slurm wall (submit to last job ended): ${slurm_wall} s; ratio slurm/local: $(echo "scale=3; $slurm_wall / $local_wall" | bc)"
echo "submission command: ${submit} s"
python3 - "$out/slurm" "$ids" <<'PY'
import json, os, subprocess, sys, datetime
root, ids = sys.argv[1], sys.argv[2].split(',')
def t(s): return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S")
jobs = json.load(open(os.path.join(root, "slurm", "jobs.json")))
rows = []
for j in ids:
    out = subprocess.run(["scontrol", "-o", "show", "job", j], capture_output=True, text=True).stdout
    for line in out.strip().split("\n"):
        f = dict(x.split("=", 1) for x in line.split() if "=" in x)
        rows.append((f.get("ArrayTaskId", ""), f["JobName"], t(f["SubmitTime"]), t(f["StartTime"]), t(f["EndTime"]), f["JobState"]))
stage = {}
for dirpath, _, files in os.walk(root):
    if "run.json" in files:
        m = json.load(open(os.path.join(dirpath, "run.json")))
        stage[os.path.relpath(dirpath, root)] = sum(s["seconds"] for s in m["stages"].values())
print("task                     state      wait s  in job s")
for task, name, sub, start, end, state in sorted(rows, key=lambda r: r[3]):
    print(f"{name + ' ' + task:24} {state:10} {(start - sub).total_seconds():6.0f}  {(end - start).total_seconds():7.0f}")
in_job = sum((r[4] - r[3]).total_seconds() for r in rows)
print(f"sum of time in jobs: {in_job:.0f} s over {len(rows)} jobs/tasks; stage seconds recorded in run.json files: {sum(stage.values()):.1f} s")
if len(stage) > 1:
    print(f"per point: time in job minus its stage seconds (process start, loading, launch), median: ", end="")
    pts = [r for r in rows if r[1] == "repalign-point"]
    names = sorted(stage)
    diffs = sorted((r[4] - r[3]).total_seconds() for r in pts)
    per = sorted(stage.values())
    print(f"{diffs[len(diffs)//2] - per[len(per)//2]:.1f} s (median in-job {diffs[len(diffs)//2]:.0f} s, median stage sum {per[len(per)//2]:.1f} s)")
PY
