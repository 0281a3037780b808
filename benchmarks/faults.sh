#!/usr/bin/env bash
# The 20-kill fault harness: kill -9 at 20 random points across every stage of a small MNIST run (15 kills, each stage
# targeted in turn) and a small sweep (5 kills), resume each, compare every table with an uninterrupted run.
# Prints one line per kill and "faults: N/20 identical". About 5 minutes on 2 cores. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/RepAlign.Tests -c Release -v quiet -nologo >/dev/null
REPALIGN_FAULT_KILLS="${REPALIGN_FAULT_KILLS:-20}" dotnet test tests/RepAlign.Tests -c Release --no-build \
  --filter "FullyQualifiedName~ProcessFaultTests.KilledAtRandomPoints" --logger "console;verbosity=detailed" \
  | grep -E "kill [0-9]+:|faults:|Passed|Failed" || true
