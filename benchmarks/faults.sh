#!/usr/bin/env bash
# The fault harness (tests/RepAlign.Tests/Faults/KillHarnessTests.cs) at full size: a small MNIST run signalled at random
# moments, each stage in turn, then resumed and compared with an uninterrupted run (every Parquet table by content, every
# CSV, every checkpoint, run.json minus times):
#   20 × SIGKILL (and `repalign runs` must show the stage interrupted), 5 × SIGKILL of a small sweep,
#   20 × SIGTERM (the stage recorded as terminated, exit 143, no temporary file, the lock released),
#   20 × a sharded run's tasks (extract:K, fit:K, merge) killed or terminated, re-run and merged;
# then four runs on one folder with flock disabled (DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1) must have one writer.
# A round whose command finished before its signal is tried again in a fresh folder at half the delay (up to 4 times),
# so every round interrupts a running command. Prints one line per round and a tally per kind, and appends each line as
# it happens to $REPALIGN_FAULT_LOG (default: repalign-faults.log in the temporary folder). An hour or more on a loaded
# 2-core machine. Run from the repository root; REPALIGN_FAULT_SEED=N replays a printed seed; the counts can be set as
# below; an argument narrows the tests (e.g. `benchmarks/faults.sh Terminated` runs the SIGTERM rounds alone).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/RepAlign.Tests -c Release -v quiet -nologo >/dev/null
# The tests run from a copy of their build, so the repository can be built again while they run.
rm -rf .harness && mkdir -p .harness && cp -r tests/RepAlign.Tests/bin/Release/net10.0/linux-x64 .harness/bin
export REPALIGN_FAULT_KILLS="${REPALIGN_FAULT_KILLS:-20}" REPALIGN_FAULT_SWEEP_KILLS="${REPALIGN_FAULT_SWEEP_KILLS:-5}" \
  REPALIGN_FAULT_TERMS="${REPALIGN_FAULT_TERMS:-20}" REPALIGN_FAULT_SHARD_KILLS="${REPALIGN_FAULT_SHARD_KILLS:-20}" \
  REPALIGN_FAULT_LOG="${REPALIGN_FAULT_LOG:-${TMPDIR:-/tmp}/repalign-faults.log}"
filter="FullyQualifiedName~KillHarnessTests|FullyQualifiedName~SignalTests.FourRunsOnOneFolderWithoutWorkingFlock"
[ $# -gt 0 ] && filter="FullyQualifiedName~KillHarnessTests.$1"
dotnet test .harness/bin/RepAlign.Tests.dll --logger "console;verbosity=detailed" \
  --filter "$filter" \
  | grep -E "^ +(seed|kill|sweep kill|term|shard kill|SIGKILL|SIGTERM|sharded tasks|no flock)|Passed |Failed " || true
rm -rf .harness
