using System.Diagnostics;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Theory;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- fit-options PAIRS.parquet [repeats]</c>: what fit.initial = fitted and fit.alternatives = true cost. Fits every
/// (pair, layer) trajectory of an extract/pairs table on every core (<see cref="BulkFit.Run"/>, as the fit stage does)
/// with the default options (the baseline), with the initial state fitted, and with the four rivals fitted too, the
/// three alternately in each repeat so machine load hits them alike; prints each repeat, the medians and their ratios
/// to the baseline, and how often the fitted system beats every rival per layer.
/// </summary>
public static class FitOptionsProbe
{
    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: fit-options PAIRS.parquet [repeats]");
            return 2;
        }

        var inputs = BulkFit.FromPairs(TableFile.Read<PairRow>(args[0]));
        int repeats = ProbeArgs.Int(args, 1, 3);
        var baseline = FitOptions.Default with { FitLoss = false };
        var configs = new (string Name, FitOptions Options)[]
        {
            ("measured (baseline)", baseline),
            ("fit.initial = fitted", baseline with { Initial = InitialState.Fitted }),
            ("fit.alternatives = true", baseline with { Alternatives = true }),
        };
        Console.WriteLine($"{inputs.Count} trajectories × {inputs[0].Trajectory.Count} epochs; {Environment.ProcessorCount} cores; {repeats} repeats");
        BulkFit.Run(inputs.Take(20).ToArray(), baseline, keepCurves: _ => false); // JIT warm-up
        var seconds = configs.Select(_ => new List<double>()).ToArray();
        var last = new FitRow[configs.Length][];
        for (int r = 0; r < repeats; r++)
        {
            for (int c = 0; c < configs.Length; c++)
            {
                var clock = Stopwatch.StartNew();
                (last[c], _) = BulkFit.Run(inputs, configs[c].Options, keepCurves: _ => false);
                seconds[c].Add(clock.Elapsed.TotalSeconds);
            }

            Console.WriteLine($"repeat {r + 1}: " + string.Join(", ", configs.Select((x, c) => $"{x.Name} {seconds[c][^1]:F1} s")));
        }

        double reference = ProbeArgs.Median(seconds[0]);
        for (int c = 0; c < configs.Length; c++)
        {
            double median = ProbeArgs.Median(seconds[c]);
            Console.WriteLine($"{configs[c].Name}: median {median:F1} s ({inputs.Count / median:F0} fits/s), ratio to baseline {median / reference:F2}");
        }

        foreach (var layer in last[2].GroupBy(f => f.Layer).OrderBy(g => g.Key))
        {
            var compared = layer.Where(f => !double.IsNaN(f.SRatioAlternative)).ToArray();
            int wins = compared.Count(f => f.SRatioAlternative > 1);
            var (lo, hi) = Wilson.Interval(wins, compared.Length);
            var best = string.Join(", ", compared.Where(f => f.SRatioAlternative <= 1).GroupBy(f => f.BestAlternative).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
            Console.WriteLine($"layer {layer.Key}: the true system beats every rival in {wins}/{compared.Length} = {100.0 * wins / compared.Length:F0} % [{100 * lo:F0}, {100 * hi:F0}] (rivals that win: {best})");
        }

        return 0;
    }
}
