#!/usr/bin/python3
"""The objective S of a stiff fit, integrated by SciPy's Radau (the implicit method the paper's code uses).

RepAlign fits with an explicit Dormand-Prince integrator and a step budget per refinement trial
(fit.refine_steps_per_epoch). On the stiff Adam-trained trajectory of
tests/RepAlign.Tests/TestData/mnist/adam_structure_pair0_layer2.csv the budgeted fit ends at smaller rates than the
unbudgeted one, with a lower S. This script recomputes S at given rates with Radau, independently of RepAlign's
integrator, from the system of docs/theory.md section 1 (the true variant), started at the first measured sample:

    python3 benchmarks/crosscheck/stiff_fit_radau.py ETA_H ETA_Y S_REPALIGN [ETA_H ETA_Y S_REPALIGN ...]

Needs Debian's python3-scipy (not installed by .ci/run: no test uses it).
"""
import csv
import os
import sys

import numpy as np
from scipy.integrate import solve_ivp

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "..", "tests", "RepAlign.Tests", "TestData", "mnist", "adam_structure_pair0_layer2.csv")


def objective(t, h, y, w, dx2, dy2, eta_h, eta_y):
    p = eta_h * dx2

    def rhs(_, x):
        hh, yy, ww = x
        return [-p * ww, -ww * (eta_y * hh + p * yy / hh), -0.5 * eta_y * (3 * ww - yy + dy2) * hh - 0.5 * p * (yy + ww) * ww / hh]

    sol = solve_ivp(rhs, (t[0], t[-1]), [h[0], y[0], w[0]], method="Radau", t_eval=t, rtol=1e-10, atol=1e-12)
    if not sol.success:
        raise SystemExit(f"Radau failed at eta_h={eta_h}, eta_y={eta_y}: {sol.message}")
    return float(((h - sol.y[0]) ** 2 + (y - sol.y[1]) ** 2 + (w - sol.y[2]) ** 2).sum()), sol.nfev


def main():
    with open(TABLE, encoding="utf-8") as f:
        rows = [[float(v) for v in r] for r in list(csv.reader(f))[1:]]
    t, h, y, w = (np.array([r[i] for r in rows]) for i in range(4))
    dx2, dy2 = rows[0][4], rows[0][5]
    args = [float(a) for a in sys.argv[1:]]
    if len(args) == 0 or len(args) % 3:
        raise SystemExit(__doc__)
    for eta_h, eta_y, ours in zip(args[0::3], args[1::3], args[2::3]):
        s, nfev = objective(t, h, y, w, dx2, dy2, eta_h, eta_y)
        print(f"eta_h {eta_h!r} eta_y {eta_y!r}: Radau S {s!r} ({nfev} evaluations), RepAlign S {ours!r}, "
              f"relative difference {abs(s - ours) / ours:.2e}")


if __name__ == "__main__":
    main()
