using System.Diagnostics;
using System.Globalization;
using System.Text;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Stages;
using RepAlign.Theory;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- fit-table [trajectories] [epochs] [repeats]</c>: fits per second of many (pair, layer) trajectories read from
/// one long CSV (what <c>repalign fit --trajectory</c> does: read, fit in bulk, write the fits table) against the same
/// trajectories fitted by <c>repalign run</c>'s fit stage (extract/pairs.parquet in a run folder), measured
/// alternately in the same process; prints each repeat, the medians and their ratio, and checks both paths give the
/// same rates. Trajectories are the 3-D system integrated at seeded random rates and initial states, with 1% noise.
/// </summary>
public static class FitTableProbe
{
    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        var count = ProbeArgs.Int(args, 0, 10_000);
        var epochs = ProbeArgs.Int(args, 1, 60);
        var repeats = ProbeArgs.Int(args, 2, 3);
        using var scratch = ProbeArgs.Folder("fit-table");
        var root = scratch.Path;
        var rows = Generate(count, epochs, seed: 1);
        var csv = Path.Combine(root, "trajectories.csv");
        WriteCsv(rows, csv);
        var layout = new RunLayout(Path.Combine(root, "run"));
        TableFile.Write(rows, layout.Pairs, csv: false);
        var spec = new ExperimentSpec { Data = new DataSpec { Kind = DataKind.Mnist } };
        Console.WriteLine($"{count:N0} trajectories × {epochs} epochs ({rows.Length:N0} rows; CSV {new FileInfo(csv).Length / 1e6:F1} MB); {Environment.ProcessorCount} cores");

        var table = new List<double>();
        var stage = new List<double>();
        FitRow[] fromTable = [], fromStage = [];
        for (var r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            fromTable = FitTable(csv, Path.Combine(root, "fit-out"), spec.Fit);
            table.Add(count / clock.Elapsed.TotalSeconds);
            clock.Restart();
            new DatasetFitStage().Run(new StageContext { Spec = spec, Layout = layout, Observer = SilentObserver.Instance });
            stage.Add(count / clock.Elapsed.TotalSeconds);
            fromStage = TableFile.Read<FitRow>(layout.Fits).ToArray();
            Console.WriteLine($"repeat {r + 1}: fit --trajectory {table[^1]:F0} fits/s, fit stage {stage[^1]:F0} fits/s");
        }
        var same = fromTable.Length == fromStage.Length
                   && fromTable.Zip(fromStage).All(p => p.First.Pair == p.Second.Pair && p.First.Layer == p.Second.Layer
                                                        && p.First.EtaH.Equals(p.Second.EtaH) && p.First.EtaY.Equals(p.Second.EtaY));
        var converged = fromTable.Count(f => f.Status == "converged");
        var (mt, ms) = (ProbeArgs.Median(table), ProbeArgs.Median(stage));
        Console.WriteLine($"median: fit --trajectory {mt:F0} fits/s, fit stage {ms:F0} fits/s, ratio {mt / ms:F3}; " +
                          $"same rates from both paths: {same}; converged {converged}/{count}");
        return same ? 0 : 1;
    }

    /// <summary>What <c>repalign fit --trajectory FILE.csv</c> does with a long table.</summary>
    private static FitRow[] FitTable(string csv, string out_, FitSpec spec)
    {
        var inputs = TrajectoryTable.Read(csv);
        var (fits, curves) = BulkFit.Run(inputs, BulkFit.Options(spec));
        TableFile.Write(fits, Path.Combine(out_, "fit", "fits.parquet"), csv: true);
        TableFile.Write(curves, Path.Combine(out_, "fit", "curves.parquet"), csv: false);
        return fits;
    }


    /// <summary>Seeded trajectories of the 3-D system (pair p, layer p % 4), rows epoch-major as extraction writes them.</summary>
    private static PairRow[] Generate(int count, int epochs, int seed)
    {
        var random = new Random(seed);
        var times = Enumerable.Range(0, epochs).Select(e => (double)e).ToArray();
        var all = new PairRow[count * epochs];
        for (var p = 0; p < count; p++)
        {
            var (dx2, dy2) = (0.5 + random.NextDouble(), 0.5 + random.NextDouble());
            var (etaH, etaY) = (0.01 * Math.Exp(random.NextDouble()), 0.05 * Math.Exp(random.NextDouble()));
            double[] x0 = [0.2 + 0.3 * random.NextDouble(), 0.01 + 0.05 * random.NextDouble(), 0.0];
            var system = new TwoPointSystem(etaH, etaY, dx2, dy2);
            var states = DormandPrinceIntegrator.Solve(system, x0, 0.0, times, null, out _);
            for (var e = 0; e < epochs; e++)
            {
                double Noisy(double v) => v * (1 + 0.01 * (random.NextDouble() - 0.5));
                all[e * count + p] = new PairRow
                {
                    Epoch = e, Layer = p % 4, Pair = p, A = 2 * p, B = 2 * p + 1, LabelA = -1, LabelB = -1, Dx2 = dx2, Dy2 = dy2,
                    H2 = Noisy(states[3 * e]), Y2 = Noisy(states[3 * e + 1]), W = Noisy(states[3 * e + 2]),
                };
            }
        }
        return all;
    }

    private static void WriteCsv(PairRow[] rows, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        writer.Write("pair,layer,epoch,a,b,label_a,label_b,dx2,dy2,h2,y2,w\n");
        foreach (var r in rows)
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"{r.Pair},{r.Layer},{r.Epoch},{r.A},{r.B},{r.LabelA},{r.LabelB},{r.Dx2:R},{r.Dy2:R},{r.H2:R},{r.Y2:R},{r.W:R}\n"));
    }
}
