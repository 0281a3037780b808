using System.Diagnostics;
using System.Globalization;
using RepAlign.Core.Specs;
using RepAlign.Theory;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- coverage [per-cell] [seed] [plan]</c>: how often the fit's nominal 95 % intervals of η_h and η_y cover the true
/// rates, on synthetic trajectories of the two-point system (<see cref="SyntheticTrajectory"/>: known rates, seeded
/// i.i.d. Gaussian noise). Every trajectory is drawn once and fitted four ways: {measured, fitted} initial state ×
/// {noise on the first sample, exact first sample} (the same draws on every other sample). Plans:
/// <c>issue</c> (the setting of the issue's figures: the four regimes, 1 % relative noise, 4000 epochs),
/// <c>custom:NOISE:EPOCHS:relative|absolute</c> (the regimes at one setting) and
/// <c>study</c> (default: the four regimes × relative noise 0.3/1/3 % × windows 500/4000 epochs, plus absolute noise
/// 0.1/0.3/1 % of the largest value on the two regimes whose h stays far from 0). Prints the seed (random unless given), coverage with its Wilson 95 %
/// interval for the log-scale intervals RepAlign reports and for the symmetric η ± 1.96·se (of all trajectories, a fit
/// without an interval counting as not covered, and of those with one), the median |z| and a breakdown per regime,
/// noise level and window.
/// </summary>
public static class CoverageProbe
{
    private sealed record Cell(SyntheticCase Case, double Noise, NoiseModel Model, int Epochs);

    private sealed record Outcome(Cell Cell, bool NoisyFirst, InitialState Initial, FitResult Fit);

    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        int perCell = ProbeArgs.Int(args, 0, 10);
        int seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Random.Shared.Next(1, 1_000_000);
        string plan = args.Length > 2 ? args[2] : "study";
        var cells = Plan(plan);
        Console.WriteLine($"coverage probe: plan {plan}, seed {seed}, {cells.Count} cells × {perCell} trajectories = {cells.Count * perCell}, "
            + $"each fitted 4 ways; {Environment.ProcessorCount} cores");
        var clock = Stopwatch.StartNew();
        var outcomes = new Outcome[cells.Count * perCell * 4];
        int failed = 0;
        Parallel.For(0, cells.Count * perCell, k =>
        {
            var cell = cells[k / perCell];
            var epochs = SyntheticTrajectory.Range(cell.Epochs);
            var clean = SyntheticTrajectory.Clean(cell.Case, epochs, DynamicsVariant.True, out var outcome);
            if (outcome != IntegrationOutcome.Completed) Interlocked.Increment(ref failed);
            int slot = 0;
            foreach (bool noisyFirst in new[] { true, false })
            {
                // Same seed for both: every sample after the first carries the same noise.
                var t = SyntheticTrajectory.WithNoise(epochs, clean, cell.Noise, cell.Model, new Random(seed + k), noisyFirst);
                foreach (var initial in new[] { InitialState.Measured, InitialState.Fitted })
                {
                    var fit = TwoPointFit.Fit(t, cell.Case.Dx2, cell.Case.Dy2, new FitOptions { Initial = initial, FitLoss = false });
                    outcomes[4 * k + slot++] = new Outcome(cell, noisyFirst, initial, fit);
                }
            }
        });
        Console.WriteLine($"{outcomes.Length} fits in {clock.Elapsed.TotalSeconds:F1} s; clean integrations failed: {failed}");
        Console.WriteLine();
        Console.WriteLine("Coverage of all trajectories (no interval = not covered), then of those with an interval in parentheses; Wilson 95 % in brackets.");
        Console.WriteLine();
        Console.WriteLine("| initial | first sample | trajectories | with an interval | η_h covered (log) | η_y covered (log) | η_h covered (±1.96 se) | η_y covered (±1.96 se) | median abs z η_h / η_y |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var initial in new[] { InitialState.Measured, InitialState.Fitted })
            foreach (bool noisyFirst in new[] { true, false })
                Console.WriteLine(Row(outcomes.Where(o => o.Initial == initial && o.NoisyFirst == noisyFirst).ToArray(),
                    $"{initial.ToString().ToLowerInvariant()} | {(noisyFirst ? "noisy" : "exact")}"));

        Console.WriteLine();
        Console.WriteLine("Per cell (log-scale intervals; η_h / η_y coverage):");
        Console.WriteLine("| regime | noise | window | measured, noisy first | measured, exact first | fitted, noisy first | fitted, exact first |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var cell in cells)
        {
            string Pair(InitialState i, bool n)
            {
                var group = outcomes.Where(o => o.Cell == cell && o.Initial == i && o.NoisyFirst == n).ToArray();
                return $"{Percent(group.Count(o => Covers(o, true, log: true)), group.Length)} / {Percent(group.Count(o => Covers(o, false, log: true)), group.Length)}";
            }

            Console.WriteLine($"| {cell.Case.Name} | {cell.Noise * 100:G3} % {cell.Model.ToString().ToLowerInvariant()} | {cell.Epochs} | "
                + $"{Pair(InitialState.Measured, true)} | {Pair(InitialState.Measured, false)} | {Pair(InitialState.Fitted, true)} | {Pair(InitialState.Fitted, false)} |");
        }

        // Reasons without their numbers, per case and regime.
        var notes = outcomes.Where(o => o.Fit.IntervalNote != "")
            .GroupBy(o => (Reason: o.Fit.IntervalNote.Split(" (se of")[0].Split(':')[0], o.Initial, o.NoisyFirst, o.Cell.Case.Name))
            .OrderByDescending(g => g.Count())
            .Select(g => $"{g.Count()}× {g.Key.Reason} ({g.Key.Initial.ToString().ToLowerInvariant()}, {(g.Key.NoisyFirst ? "noisy" : "exact")} first, {g.Key.Name})");
        Console.WriteLine();
        Console.WriteLine("NaN interval reasons: " + (notes.Any() ? string.Join("; ", notes) : "none"));
        Console.WriteLine($"seed {seed}");
        return 0;
    }

    private static List<Cell> Plan(string plan)
    {
        var cases = SyntheticTrajectory.Cases;
        if (plan == "issue")
            return cases.Select(c => new Cell(c, 0.01, NoiseModel.Relative, 4000)).ToList();
        if (plan.StartsWith("custom:", StringComparison.Ordinal))
        {
            // custom:NOISE:EPOCHS:relative|absolute — the four regimes at one setting (absolute: the regimes with h0 ≥ 0.1).
            var p = plan.Split(':');
            var model = Enum.Parse<NoiseModel>(p[3], ignoreCase: true);
            return cases.Where(c => model == NoiseModel.Relative || c.H0 >= 0.1)
                .Select(c => new Cell(c, double.Parse(p[1], CultureInfo.InvariantCulture), model, int.Parse(p[2], CultureInfo.InvariantCulture))).ToList();
        }
        if (plan != "study") throw new ArgumentException($"plan '{plan}': expected issue or study");
        var cells = new List<Cell>();
        foreach (var c in cases)
            foreach (double noise in new[] { 0.003, 0.01, 0.03 })
                foreach (int epochs in new[] { 500, 4000 })
                    cells.Add(new Cell(c, noise, NoiseModel.Relative, epochs));
        // Homoscedastic noise where h stays far above it (a small start would go negative).
        foreach (var c in cases.Where(c => c.H0 >= 0.1))
            foreach (double noise in new[] { 0.001, 0.003, 0.01 })
                foreach (int epochs in new[] { 500, 4000 })
                    cells.Add(new Cell(c, noise, NoiseModel.Absolute, epochs));
        return cells;
    }

    private static bool Covers(Outcome o, bool etaH, bool log)
    {
        var f = o.Fit;
        double truth = etaH ? o.Cell.Case.EtaH : o.Cell.Case.EtaY;
        double estimate = etaH ? f.EtaH : f.EtaY, se = etaH ? f.StdErrEtaH : f.StdErrEtaY;
        if (f.IntervalNote != "") return false; // no interval (singular, not converged): never covers, whichever form
        double lo = log ? (etaH ? f.EtaHLow : f.EtaYLow) : estimate - Wilson.Z95 * se;
        double hi = log ? (etaH ? f.EtaHHigh : f.EtaYHigh) : estimate + Wilson.Z95 * se;
        return lo <= truth && truth <= hi;
    }

    private static string Row(Outcome[] group, string label)
    {
        int n = group.Length;
        var with = group.Where(o => o.Fit.IntervalNote == "").ToArray();
        double Z(Outcome o, bool etaH) => Math.Abs(((etaH ? o.Fit.EtaH : o.Fit.EtaY) - (etaH ? o.Cell.Case.EtaH : o.Cell.Case.EtaY)) / (etaH ? o.Fit.StdErrEtaH : o.Fit.StdErrEtaY));
        var zh = with.Select(o => Z(o, true)).Where(double.IsFinite);
        var zy = with.Select(o => Z(o, false)).Where(double.IsFinite);
        string Both(bool etaH, bool log) =>
            $"{Percent(group.Count(o => Covers(o, etaH, log)), n)} ({Percent(with.Count(o => Covers(o, etaH, log)), with.Length)})";
        return $"| {label} | {n} | {with.Length} | {Both(true, true)} | {Both(false, true)} | {Both(true, false)} | {Both(false, false)} | "
            + $"{ProbeArgs.Median(zh):F2} / {ProbeArgs.Median(zy):F2} |";
    }

    private static string Percent(int k, int n)
    {
        var (lo, hi) = Wilson.Interval(k, n);
        return string.Create(CultureInfo.InvariantCulture, $"{100.0 * k / n:F0} % [{100 * lo:F0}, {100 * hi:F0}]");
    }
}
