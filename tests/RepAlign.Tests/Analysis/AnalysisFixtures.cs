using RepAlign.Core.Tables;

namespace RepAlign.Tests.Analysis;

/// <summary>Small hand-made and seeded synthetic fit tables for the analysis tests.</summary>
internal static class AnalysisFixtures
{
    /// <summary>One fit with the fields the summaries read; everything else neutral.</summary>
    public static FitRow Fit(int pair, int layer, double etaH = 1, double etaY = 1, double r2H = 0.99, double r2Y = 0.99,
        double r2W = 0.99, string status = "converged", string regime = "rich", int labelA = -1, int labelB = -1,
        double hInfPred = 1, double hInfObs = 1, double sRatio = double.NaN) => new()
    {
        Pair = pair, Layer = layer, A = 2 * pair, B = 2 * pair + 1, LabelA = labelA, LabelB = labelB, Dx2 = 1, Dy2 = 2,
        EtaH = etaH, EtaY = etaY, EtaYbar = double.NaN, SeEtaH = double.NaN, SeEtaY = double.NaN, FitLoss = 0.1,
        R2H = r2H, R2Y = r2Y, R2W = r2W, C = 0, CDrift = 0, ALow = 1, AHigh = 1, HInfPred = hInfPred, HInfObs = hInfObs,
        Regime = regime, Status = status, Message = "", FitSeconds = 0.01, SRatioAlternative = sRatio,
        BestAlternative = double.IsNaN(sRatio) ? "" : "dh_times_two",
    };

    /// <summary>A seeded MNIST-like fit table: <paramref name="pairs"/> pairs of random digits at layers 0..layers−1.</summary>
    public static FitRow[] SyntheticMnistFits(int pairs, int layers, int seed = 7)
    {
        var random = new Random(seed);
        var fits = new List<FitRow>();
        for (var p = 0; p < pairs; p++)
        {
            int la = random.Next(10), lb = random.Next(10);
            for (var l = 0; l < layers; l++)
            {
                fits.Add(Fit(p, l, etaH: 0.001 * (1 + random.NextDouble()), etaY: 0.002 * (1 + random.NextDouble()),
                    r2H: 1 - 0.2 * random.NextDouble(), r2Y: 1 - 0.2 * random.NextDouble(), r2W: random.NextDouble(),
                    regime: random.Next(3) switch { 0 => "rich", 1 => "intermediate", _ => "lazy" },
                    labelA: la, labelB: lb, hInfPred: 1 + random.NextDouble(), hInfObs: 1.5));
            }
        }
        return [.. fits];
    }

    /// <summary>Measured and fitted curves (exponential approach) for the given pairs at layers 0..layers−1.</summary>
    public static CurveRow[] Curves(IEnumerable<int> pairs, int layers, int epochs = 20) =>
        [.. from p in pairs
            from l in Enumerable.Range(0, layers)
            from e in Enumerable.Range(0, epochs + 1)
            let h = 1 + Math.Exp(-0.2 * e)
            select new CurveRow
            {
                Epoch = e, Layer = l, Pair = p, H2 = h * 1.01, Y2 = 2 - h, W = 0.5 * h, Loss = double.NaN,
                H2Fit = h, Y2Fit = 2 - h, WFit = 0.5 * h, LossFit = double.NaN,
            }];
}
