using System.Diagnostics;
using System.Globalization;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Theory;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- fit-profile PAIRS.parquet [limit] [golden.csv]</c>: fits every (pair, layer) trajectory of an extract/pairs table
/// one at a time (single thread, so per-fit times are clean) with the reference grid search
/// (<see cref="GridSearch.Exhaustive"/>, today's algorithm) and the fast one, interleaved fit by fit so machine load
/// hits both alike; prints fits/s, p50/p99/max per fit, candidate and refinement integrations, allocations per fit,
/// the largest relative difference of S, and the slowest trajectories. With a third argument it writes the
/// reference's S per (pair, layer) as a golden CSV.
/// </summary>
public static class FitProfileProbe
{
    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: fit-profile PAIRS.parquet [limit] [golden.csv]");
            return 2;
        }

        var inputs = BulkFit.FromPairs(TableFile.Read<PairRow>(args[0]));
        var limit = ProbeArgs.Int(args, 1, inputs.Count);
        inputs = inputs.Take(limit).ToArray();
        var baseline = FitOptions.Reference with { FitLoss = false };
        var fast = FitOptions.Default with { FitLoss = false };

        // Warm-up (JIT) on a few fits.
        foreach (var input in inputs.Take(5))
        {
            TwoPointFit.Fit(input.Trajectory, input.Dx2, input.Dy2, baseline);
            TwoPointFit.Fit(input.Trajectory, input.Dx2, input.Dy2, fast);
        }

        var slow = new Measured[inputs.Count];
        var quick = new Measured[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            slow[i] = Measure(inputs[i], baseline);
            quick[i] = Measure(inputs[i], fast);
        }

        Console.WriteLine($"trajectories: {inputs.Count}, epochs per trajectory: {inputs[0].Trajectory.Count}");
        Report("reference (exhaustive grid)", slow);
        Report("fast (coarse-to-fine)", quick);
        Console.WriteLine($"throughput ratio fast/reference (single thread, sum of fit times): {slow.Sum(m => m.Seconds) / quick.Sum(m => m.Seconds):F2}");

        var worst = 0.0;
        var over = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            var a = slow[i].Result.S;
            var b = quick[i].Result.S;
            var relative = a == b || (double.IsNaN(a) && double.IsNaN(b)) ? 0 : Math.Abs(a - b) / Math.Max(Math.Abs(a), double.Epsilon);
            if (double.IsNaN(relative)) relative = double.PositiveInfinity;
            if (relative > 1e-6)
            {
                over++;
                Console.WriteLine($"  S differs: pair {inputs[i].Pair} layer {inputs[i].Layer}: reference {a:R} ({slow[i].Result.Status}, η {slow[i].Result.EtaH:G4}/{slow[i].Result.EtaY:G4}) fast {b:R} ({quick[i].Result.Status}, η {quick[i].Result.EtaH:G4}/{quick[i].Result.EtaY:G4})");
            }
            worst = Math.Max(worst, relative);
        }
        Console.WriteLine($"S: largest relative difference {worst:G3}; {over} of {inputs.Count} above 1e-6");

        Slowest("reference", slow, quick);
        Slowest("fast", quick, slow);

        void Slowest(string name, Measured[] m, Measured[] other)
        {
        Console.WriteLine($"slowest {name} fits:");
        foreach (var i in Enumerable.Range(0, inputs.Count).OrderByDescending(i => m[i].Seconds).Take(12))
        {
            var r = m[i].Result;
            var t = inputs[i].Trajectory;
            Console.WriteLine($"  pair {inputs[i].Pair} layer {inputs[i].Layer} labels {inputs[i].LabelA}-{inputs[i].LabelB}: {m[i].Seconds * 1e3:F1} ms (other {other[i].Seconds * 1e3:F1} ms), grid {r.GridSeconds * 1e3:F1} ms, " +
                $"grid {r.GridEvaluations}, refine {r.RefinementEvaluations} ({r.Iterations} it), {r.Status}, {r.Regime}, η {r.EtaH:G3}/{r.EtaY:G3}, " +
                $"h {t.H.Min():G3}..{t.H.Max():G3}, S {r.S:G4}; {r.Message}");
        }
        }

        if (args.Length > 2)
        {
            using var writer = new StreamWriter(args[2]);
            writer.WriteLine("pair,layer,s,eta_h,eta_y,status");
            for (var i = 0; i < inputs.Count; i++)
            {
                var r = slow[i].Result;
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{inputs[i].Pair},{inputs[i].Layer},{r.S:R},{r.EtaH:R},{r.EtaY:R},{r.Status}"));
            }
            Console.WriteLine($"golden written: {args[2]}");
        }
        return 0;
    }

    /// <summary>
    /// <c>-- fit-golden PAIRS.parquet OUT.parquet GOLDEN.csv</c>: the golden table of the fit's regression test. Copies the
    /// pairs table with h2, y2, w, dx2, dy2 rounded to single precision (half the size; the golden is computed from the
    /// rounded values) grouped by pair, and writes the reference algorithm's (<see cref="FitOptions.Reference"/>) S, η_h,
    /// η_y and status per (pair, layer).
    /// </summary>
    public static int Golden(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: fit-golden PAIRS.parquet OUT.parquet GOLDEN.csv");
            return 2;
        }

        var rows = TableFile.Read<PairRow>(args[0]).OrderBy(r => r.Pair).ThenBy(r => r.Layer).ThenBy(r => r.Epoch).ToArray();
        foreach (var r in rows)
        {
            r.H2 = (float)r.H2;
            r.Y2 = (float)r.Y2;
            r.W = (float)r.W;
            r.Dx2 = (float)r.Dx2;
            r.Dy2 = (float)r.Dy2;
        }
        TableFile.Write(rows, args[1], csv: false);
        var inputs = BulkFit.FromPairs(TableFile.Read<PairRow>(args[1]));
        var (fits, _) = BulkFit.Run(inputs, FitOptions.Reference with { FitLoss = false }, keepCurves: _ => false);
        using var writer = new StreamWriter(args[2]);
        writer.WriteLine("pair,layer,s,eta_h,eta_y,status");
        foreach (var f in fits)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Pair},{f.Layer},{f.FitLoss:R},{f.EtaH:R},{f.EtaY:R},{f.Status}"));
        Console.WriteLine($"{inputs.Count} trajectories; golden written: {args[2]}");
        return 0;
    }

    /// <summary>
    /// <c>-- fit-budget PAIRS.parquet…</c>: fits every (pair, layer) trajectory of each extract/pairs table one at a time
    /// (single thread, no η_ybar) with the refinement's step budget (<see cref="FitOptions.RefineStepsPerEpoch"/>, the
    /// default) and without it, interleaved fit by fit so machine load hits both alike. Prints, per table and in all, the
    /// seconds of each, their ratio, how many fits are identical to the last bit (status, S, η_h, η_y, their intervals and
    /// message) and, for each that is not, both results side by side.
    /// </summary>
    public static int Budget(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: fit-budget PAIRS.parquet [PAIRS.parquet …]");
            return 2;
        }

        var budget = FitOptions.Default with { FitLoss = false };
        var unbounded = budget with { RefineStepsPerEpoch = null };
        double allBudget = 0, allUnbounded = 0;
        int allFits = 0, allSame = 0;
        foreach (var path in args)
        {
            var inputs = BulkFit.FromPairs(TableFile.Read<PairRow>(path));
            foreach (var input in inputs.Take(3)) TwoPointFit.Fit(input.Trajectory, input.Dx2, input.Dy2, budget); // JIT
            double secondsBudget = 0, secondsUnbounded = 0;
            int same = 0;
            foreach (var input in inputs)
            {
                var (withBudget, a, _) = Measure(input, budget);
                var (without, b, _) = Measure(input, unbounded);
                secondsBudget += a;
                secondsUnbounded += b;
                if (Same(withBudget, without))
                {
                    same++;
                    continue;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  differs: pair {input.Pair} layer {input.Layer} ({input.LabelA}-{input.LabelB}): budget {Describe(withBudget)} in {a:F3} s; without {Describe(without)} in {b:F3} s"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{path}: {inputs.Count} fits; with the budget {secondsBudget:F2} s, without {secondsUnbounded:F2} s (ratio {secondsBudget / secondsUnbounded:F3}); identical {same} of {inputs.Count}"));
            allBudget += secondsBudget;
            allUnbounded += secondsUnbounded;
            allFits += inputs.Count;
            allSame += same;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"all: {allFits} fits; with the budget {allBudget:F2} s, without {allUnbounded:F2} s (ratio {allBudget / allUnbounded:F3}); identical {allSame} of {allFits}"));
        return 0;
    }

    // Bitwise on every number the fits table reports from the refinement, and the message apart from its seconds.
    private static bool Same(FitResult a, FitResult b) =>
        a.Status == b.Status && a.Message == b.Message && a.IntervalNote == b.IntervalNote
        && new[] { a.S, a.EtaH, a.EtaY, a.EtaHLow, a.EtaHHigh, a.EtaYLow, a.EtaYHigh, a.StdErrEtaH, a.StdErrEtaY, a.R2H, a.R2Y, a.R2W, a.HInfPred }
            .Zip(new[] { b.S, b.EtaH, b.EtaY, b.EtaHLow, b.EtaHHigh, b.EtaYLow, b.EtaYHigh, b.StdErrEtaH, b.StdErrEtaY, b.R2H, b.R2Y, b.R2W, b.HInfPred })
            .All(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second));

    private static string Describe(FitResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Status}, η_h {r.EtaH:G4}, η_y {r.EtaY:G4}, S {r.S:G6}, R² h {r.R2H:G3} y {r.R2Y:G3} w {r.R2W:G3}, {r.RefinementEvaluations} integrations");

    private readonly record struct Measured(FitResult Result, double Seconds, long Bytes);

    private static Measured Measure(TrajectoryInput input, FitOptions options)
    {
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var result = TwoPointFit.Fit(input.Trajectory, input.Dx2, input.Dy2, options);
        var seconds = clock.Elapsed.TotalSeconds;
        return new Measured(result, seconds, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    private static void Report(string name, Measured[] m)
    {
        var times = m.Select(x => x.Seconds).Order().ToArray();
        double P(double q) => times[Math.Min(times.Length - 1, (int)Math.Floor(q * times.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {times.Length / times.Sum():F0} fits/s (one thread), p50 {P(0.5) * 1e3:F2} ms, p90 {P(0.9) * 1e3:F2} ms, p99 {P(0.99) * 1e3:F2} ms, max {times[^1] * 1e3:F1} ms, " +
            $"grid share of fit time {m.Sum(x => x.Result.GridSeconds) / m.Sum(x => x.Result.FitSeconds):P0}, time in iteration-limited or Nelder–Mead fits {m.Where(x => x.Result.Status != FitStatus.Converged || x.Result.Message.Contains("Nelder", StringComparison.Ordinal)).Sum(x => x.Seconds) / times.Sum():P0}, " +
            $"mean grid integrations {m.Average(x => x.Result.GridEvaluations):F1}, mean refinement integrations {m.Average(x => x.Result.RefinementEvaluations):F1}, " +
            $"mean allocated {m.Average(x => x.Bytes) / 1024:F1} KB/fit, Nelder–Mead {m.Count(x => x.Result.Message.Contains("Nelder", StringComparison.Ordinal))}, " +
            $"statuses {string.Join(" ", m.GroupBy(x => x.Result.Status).Select(g => $"{g.Key}={g.Count()}"))}"));
    }
}
