using System.Diagnostics;
using System.Globalization;
using RepAlign.Analysis;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Theory;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- report-figures [layers] [epochs] [repeats]</c>: what the report's figures for a paper cost. Each repeat draws
/// a two-point run's report twice, alternately in the same process: the interactive HTML page alone (the baseline,
/// <c>TwoPointReport.render</c> written to disk), then every SVG + PNG figure of report/figures
/// (<c>ReportFigures.twoPoint</c>: h, y, w and loss against the theory at every layer). Prints each repeat, the medians,
/// the seconds per figure (one SVG and one PNG) and the ratio of the figures' time to the page's. The trajectories
/// are the 3-D system integrated at fixed rates, one row per epoch, as the fit stage writes curves.
/// </summary>
public static class ReportFiguresProbe
{
    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        var layers = ProbeArgs.Int(args, 0, 3);
        var epochs = ProbeArgs.Int(args, 1, 3000);
        var repeats = ProbeArgs.Int(args, 2, 7);
        using var scratch = ProbeArgs.Folder("report-figures");
        var root = scratch.Path;
        var (fits, curves) = Generate(layers, epochs);
        var spec = new ExperimentSpec { Name = "two-points" };
        Console.WriteLine($"{layers} layers × {epochs + 1} epochs ({curves.Length:N0} curve rows); {Environment.ProcessorCount} cores; {repeats} repeats after one warm-up");
        var page = new List<double>();
        var perFigure = new List<double>();
        var all = new List<double>();
        var count = 0;
        for (var r = 0; r <= repeats; r++)
        {
            var folder = Path.Combine(root, $"repeat-{r}");
            Directory.CreateDirectory(folder);
            var clock = Stopwatch.StartNew();
            File.WriteAllText(Path.Combine(folder, "report.html"), TwoPointReport.render(spec, fits, curves));
            var pageSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var files = ReportFigures.twoPoint(Path.Combine(folder, "figures"), curves).ToArray();
            var figureSeconds = clock.Elapsed.TotalSeconds;
            count = files.Length / 2; // one SVG and one PNG per figure
            if (files.Any(f => !File.Exists(f)) || count == 0) throw new InvalidOperationException("figures missing");
            if (r == 0)
            {
                Console.WriteLine($"warm-up: page {pageSeconds:F3} s, {count} figures {figureSeconds:F3} s (first call: JIT and font loading)");
                continue;
            }
            page.Add(pageSeconds);
            all.Add(figureSeconds);
            perFigure.Add(figureSeconds / count);
            Console.WriteLine($"repeat {r}: HTML page {pageSeconds:F3} s; {count} figures (SVG + PNG) {figureSeconds:F3} s = {figureSeconds / count:F4} s per figure");
            Directory.Delete(folder, recursive: true);
        }
        var (mp, mf, ma) = (ProbeArgs.Median(page), ProbeArgs.Median(perFigure), ProbeArgs.Median(all));
        Console.WriteLine($"median: HTML page {mp:F3} s; {count} figures {ma:F3} s; {mf:F4} s per figure (SVG + PNG); " +
                          $"all figures / page = {ma / mp:F2}; one figure / page = {mf / mp:F3}");
        return 0;
    }


    /// <summary>One pair per layer: the 3-D system at layer-dependent rates as "measured", the same at 5% other rates as "fitted".</summary>
    private static (FitRow[] Fits, CurveRow[] Curves) Generate(int layers, int epochs)
    {
        var times = Enumerable.Range(0, epochs + 1).Select(e => (double)e).ToArray();
        var fits = new List<FitRow>();
        var curves = new List<CurveRow>();
        for (var layer = 0; layer < layers; layer++)
        {
            var (etaH, etaY) = (0.002 * (layer + 1), 0.004);
            double[] x0 = [0.5, 0.36, 0.0];
            var measured = DormandPrinceIntegrator.Solve(new TwoPointSystem(etaH, etaY, 1.0, 0.5), x0, 0.0, times, null, out _);
            var fitted = DormandPrinceIntegrator.Solve(new TwoPointSystem(etaH * 1.05, etaY * 0.95, 1.0, 0.5), x0, 0.0, times, null, out _);
            for (var e = 0; e <= epochs; e++)
            {
                var (h, y, w) = (measured[3 * e], measured[3 * e + 1], measured[3 * e + 2]);
                var (hf, yf, wf) = (fitted[3 * e], fitted[3 * e + 1], fitted[3 * e + 2]);
                curves.Add(new CurveRow
                {
                    Epoch = e, Layer = layer, Pair = 0, H2 = h, Y2 = y, W = w, Loss = 0.25 * (0.5 - 2 * w + y),
                    H2Fit = hf, Y2Fit = yf, WFit = wf, LossFit = 0.25 * (0.5 - 2 * wf + yf),
                });
            }
            fits.Add(new FitRow
            {
                Pair = 0, Layer = layer, A = 0, B = 1, LabelA = -1, LabelB = -1, Dx2 = 1.0, Dy2 = 0.5, EtaH = etaH * 1.05, EtaY = etaY * 0.95,
                FitLoss = 0.01, R2H = 0.99, R2Y = 0.99, R2W = 0.99, HInfPred = measured[3 * epochs], HInfObs = measured[3 * epochs],
                Regime = "rich", Status = "converged",
            });
        }
        return ([.. fits], [.. curves]);
    }
}
