#!/usr/bin/python3
"""OpenBLAS's SGEMM rate on this machine, beside train-profile's libtorch GEMM rows (train-profile-linux-x64.md, section 8).

    /usr/bin/python3 benchmarks/timing/blas-peer.py [--threads 1 2] [--calls 30]

Times 1024^3 and the MNIST step's first shape (64x784 . 784x200) in float32 through NumPy on 1 and 2 OpenBLAS threads,
medians of --calls calls (100x as many for the small shape), and prints GFLOP/s with the load average. NumPy must be
linked to OpenBLAS: Debian's reference BLAS is ten times slower and no fair peer; install libopenblas0-pthread.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def blas_library():
    """The BLAS shared object this process has loaded (after importing NumPy), or None."""
    with open("/proc/self/maps", encoding="utf-8") as maps:
        names = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return sorted(names)[0] if names else None


def measure(calls):
    import numpy as np

    library = blas_library()
    if library is None or "openblas" not in library:
        print(f"blas-peer: NumPy uses {library or 'no shared BLAS'}, expected OpenBLAS; install libopenblas0-pthread "
              "(apt-get install libopenblas0-pthread) and run again", file=sys.stderr)
        sys.exit(2)
    rng = np.random.default_rng(7)
    for m, k, n, count in [(1024, 1024, 1024, calls), (64, 784, 200, 100 * calls)]:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        for _ in range(min(count, 20)):
            a @ b  # warm-up
        times = []
        for _ in range(count):
            start = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - start)
        rate = 2.0 * m * k * n / statistics.median(times) / 1e9
        print(f"  {m}x{k}.{k}x{n}: {rate:.1f} GFLOP/s (median of {count} calls)")
    print(f"  {library}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args.calls)
        return
    print(f"blas-peer: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for threads in args.threads:
        # OpenBLAS reads its thread count when it is loaded, so each count runs in a process of its own.
        print(f"OpenBLAS, {threads} thread{'s' if threads > 1 else ''}:", flush=True)
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
        code = subprocess.run([sys.executable, __file__, "--child", "--calls", str(args.calls)], env=env).returncode
        if code != 0:
            sys.exit(code)
    print(f"end: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
