using RepAlign.Analysis;
using RepAlign.Core.Tables;
using static RepAlign.Tests.Analysis.AnalysisFixtures;

namespace RepAlign.Tests.Analysis;

/// <summary>The Deedle aggregation of fits: quantiles, per-layer and per-class-pair summaries, NaN skipping.</summary>
public class FitFramesTests
{
    private const double Tol = 1e-12;

    [Fact]
    public void QuantileInterpolatesBetweenOrderStatisticsAndSkipsNonFiniteValues()
    {
        double[] xs = [4, double.NaN, 1, 3, double.PositiveInfinity, 2];
        Assert.Equal(2.5, FitFrames.median(xs), Tol);
        Assert.Equal(1.75, FitFrames.quantile(0.25, xs), Tol);
        Assert.Equal(3.25, FitFrames.quantile(0.75, xs), Tol);
        Assert.Equal(1, FitFrames.quantile(0, xs), Tol);
        Assert.Equal(4, FitFrames.quantile(1, xs), Tol);
        Assert.Equal(7, FitFrames.median([7.0]), Tol);
        Assert.True(double.IsNaN(FitFrames.median([double.NaN])));
        Assert.True(double.IsNaN(FitFrames.median([])));
    }

    [Fact]
    public void DescribedWellNeedsConvergenceAndBothR2AtLeastPointNine()
    {
        Assert.True(FitFrames.describedWell(Fit(0, 0, r2H: 0.9, r2Y: 0.9)));
        Assert.False(FitFrames.describedWell(Fit(0, 0, r2H: 0.899, r2Y: 0.99)));
        Assert.False(FitFrames.describedWell(Fit(0, 0, r2H: 0.99, r2Y: 0.899)));
        Assert.False(FitFrames.describedWell(Fit(0, 0, r2H: double.NaN)));
        Assert.False(FitFrames.describedWell(Fit(0, 0, status: "iteration_limit")));
    }

    [Fact]
    public void LayerSummaryHasMediansQuartilesFractionsAndRegimeCounts()
    {
        FitRow[] fits =
        [
            // layer 1 first: the summary is ordered by layer regardless of row order
            Fit(0, 1, etaH: 10, r2H: 0.5),
            Fit(0, 0, etaH: 1, etaY: 1, r2H: 0.95, r2Y: 0.95, r2W: 0.1, regime: "rich", hInfPred: 1.1, hInfObs: 1),
            Fit(1, 0, etaH: 2, etaY: 1, r2H: 0.99, r2Y: 0.92, r2W: 0.2, regime: "rich", hInfPred: 0.8, hInfObs: 1),
            Fit(2, 0, etaH: 3, etaY: 2, r2H: 0.50, r2Y: 0.99, r2W: 0.3, regime: "lazy", hInfPred: 2, hInfObs: 1),
            Fit(3, 0, etaH: 4, etaY: 2, r2H: double.NaN, r2Y: 0.99, r2W: double.NaN, regime: "undetermined",
                hInfPred: double.NaN, hInfObs: 1),
            Fit(4, 0, etaH: double.NaN, etaY: double.NaN, r2H: 0.99, r2Y: 0.99, r2W: 0.4, status: "diverged", regime: "intermediate"),
        ];
        var layers = FitFrames.summariseLayers(fits);

        Assert.Equal([0, 1], layers.Select(s => s.Layer));
        var s0 = layers[0];
        Assert.Equal(5, s0.Pairs);
        Assert.Equal(4, s0.Converged);
        Assert.Equal(2.0 / 5.0, s0.DescribedWell, Tol); // pairs 0 and 1; NaN R² and "diverged" count against
        Assert.Equal(2.5, s0.EtaHMedian, Tol); // 1,2,3,4 (NaN skipped)
        Assert.Equal(1.75, s0.EtaHQ25, Tol);
        Assert.Equal(3.25, s0.EtaHQ75, Tol);
        Assert.Equal(1.5, s0.EtaYMedian, Tol); // 1,1,2,2
        Assert.Equal(1.75, s0.EtaRatioMedian, Tol); // 1, 2, 1.5, 2
        Assert.Equal(1.375, s0.EtaRatioQ25, Tol);
        Assert.Equal(2, s0.EtaRatioQ75, Tol);
        Assert.Equal(0.97, s0.R2HMedian, Tol); // 0.5, 0.95, 0.99, 0.99 (NaN skipped)
        Assert.Equal(0.99, s0.R2YMedian, Tol); // 0.92, 0.95, 0.99, 0.99, 0.99
        Assert.Equal(0.25, s0.R2WMedian, Tol); // 0.1 .. 0.4
        Assert.Equal(0.15, s0.HInfRelErrMedian, Tol); // 0, 0.1, 0.2, 1 (NaN skipped)
        Assert.Equal((2, 1, 1, 1), (s0.Rich, s0.Intermediate, s0.Lazy, s0.Undetermined));

        var s1 = layers[1];
        Assert.Equal(1, s1.Pairs);
        Assert.Equal(0, s1.DescribedWell, Tol);
        Assert.Equal(10, s1.EtaHMedian, Tol);
        Assert.Equal(10, s1.EtaHQ25, Tol);
    }

    [Fact]
    public void ClassPairsAreUnorderedAndUnlabelledFitsAreLeftOut()
    {
        FitRow[] fits =
        [
            Fit(0, 0, labelA: 3, labelB: 7, r2H: 0.95, etaH: 1, etaY: 1),
            Fit(1, 0, labelA: 7, labelB: 3, r2H: 0.5, etaH: 4, etaY: 1),
            Fit(2, 0, labelA: 7, labelB: 3, r2H: 0.99, etaH: 2, etaY: 1),
            Fit(3, 0, labelA: 2, labelB: 2, r2H: 0.97),
            Fit(0, 1, labelA: 3, labelB: 7, r2H: 0.1),
            Fit(4, 0, labelA: -1, labelB: -1),
        ];
        var pairs = FitFrames.summariseClassPairs(fits);

        Assert.Equal([(0, 2, 2), (0, 3, 7), (1, 3, 7)], pairs.Select(p => (p.Layer, p.LabelLow, p.LabelHigh)));
        var p37 = pairs[1];
        Assert.Equal(3, p37.Pairs);
        Assert.Equal(0.95, p37.R2HMedian, Tol);
        Assert.Equal(0.99, p37.R2YMedian, Tol);
        Assert.Equal(2, p37.EtaRatioMedian, Tol);
        Assert.Equal(2.0 / 3.0, p37.DescribedWell, Tol);
        Assert.Equal(1, pairs[0].Pairs);
        Assert.Equal(0, pairs[2].DescribedWell, Tol);

        Assert.Empty(FitFrames.summariseClassPairs([Fit(0, 0), Fit(0, 1)]));
        Assert.Empty(FitFrames.summariseLayers([]));
        Assert.Empty(FitFrames.summariseClassPairs([]));
    }

    [Fact]
    public void FitFrameHasTheFitColumnsAndTheDerivedOnes()
    {
        var frame = FitFrames.fitFrame([Fit(0, 2, etaH: 3, etaY: 2, labelA: 5, labelB: 1, hInfPred: 3, hInfObs: 2)]);
        Assert.Equal(1, frame.RowCount);
        foreach (var column in new[] { "Pair", "Layer", "EtaH", "R2H", "Regime", "Status", "EtaRatio", "HInfRelErr", "Well", "LabelLow", "LabelHigh" })
            Assert.Contains(column, frame.ColumnKeys);
        Assert.Equal(1.5, frame.GetColumn<double>("EtaRatio")[0], Tol);
        Assert.Equal(0.5, frame.GetColumn<double>("HInfRelErr")[0], Tol);
        Assert.Equal(1, frame.GetColumn<int>("LabelLow")[0]);
        Assert.Equal(5, frame.GetColumn<int>("LabelHigh")[0]);
    }

    [Fact]
    public void SummariesAgreeWithAPlainReferenceOnSeededData()
    {
        var fits = SyntheticMnistFits(pairs: 300, layers: 3, seed: 11);
        var layers = FitFrames.summariseLayers(fits);
        foreach (var s in layers)
        {
            var at = fits.Where(f => f.Layer == s.Layer).ToArray();
            Assert.Equal(at.Length, s.Pairs);
            Assert.Equal(at.Count(FitFrames.describedWell) / (double)at.Length, s.DescribedWell, Tol);
            var sorted = at.Select(f => f.R2H).Order().ToArray(); // 300 values: median between the 150th and 151st
            Assert.Equal((sorted[149] + sorted[150]) / 2, s.R2HMedian, Tol);
            Assert.Equal(at.Length, s.Rich + s.Intermediate + s.Lazy + s.Undetermined);
        }
        var classPairs = FitFrames.summariseClassPairs(fits);
        Assert.Equal(fits.Length, classPairs.Sum(p => p.Pairs));
        Assert.All(classPairs, p => Assert.True(p.LabelLow <= p.LabelHigh));
    }

    [Fact]
    public void SummaryTablesRoundTripThroughParquetAndCsvWithSnakeCaseColumns()
    {
        using var scratch = new ScratchFolder();
        var fits = SyntheticMnistFits(pairs: 40, layers: 2);
        var layers = FitFrames.summariseLayers(fits);
        var classPairs = FitFrames.summariseClassPairs(fits);
        var layersPath = scratch.File("layers.parquet");
        var pairsPath = scratch.File("class_pairs.parquet");
        TableFile.Write(layers, layersPath, csv: true);
        TableFile.Write(classPairs, pairsPath, csv: true);

        Assert.Equal(layers, TableFile.Read<FitFrames.LayerSummary>(layersPath));
        Assert.Equal(classPairs, TableFile.Read<FitFrames.ClassPairSummary>(pairsPath));
        var header = File.ReadLines(Path.ChangeExtension(layersPath, ".csv")).First();
        Assert.StartsWith("layer,pairs,converged,described_well,described_well_lo,described_well_hi,eta_h_median,eta_h_q25,eta_h_q75,eta_h_median_lo,eta_h_median_hi,", header);
        foreach (var column in new[] { "eta_y_median_lo", "eta_y_median_hi", "eta_ratio_median_lo", "eta_ratio_median_hi", "r2_h_median_lo", "r2_h_median_hi", "r2_y_median_lo", "r2_y_median_hi" })
            Assert.Contains("," + column + ",", header);
        Assert.EndsWith(",rich,intermediate,lazy,undetermined,alternatives_compared,wins_over_alternatives,wins_over_alternatives_lo,wins_over_alternatives_hi", header);
        Assert.Equal("layer,label_low,label_high,pairs,r2_h_median,r2_y_median,eta_ratio_median,described_well,described_well_lo,described_well_hi",
            File.ReadLines(Path.ChangeExtension(pairsPath, ".csv")).First());
    }

    [Fact]
    public void DescribeSaysTheFractionPerLayer()
    {
        var fits = Enumerable.Range(0, 4).Select(p => Fit(p, 2, r2H: p < 3 ? 0.95 : 0.2)).ToArray();
        // 3 of 4: Wilson 95 % interval 30–95 %.
        Assert.Equal("layer 2: 75% [30–95%] of 4 pairs described well (R² ≥ 0.9)", FitFrames.describe(FitFrames.summariseLayers(fits)));
        Assert.Equal("no fits to summarise", FitFrames.describe([]));
    }

    [Fact]
    public void FractionsCarryWilsonIntervalsAndMediansSeededBootstrapIntervals()
    {
        var fits = SyntheticMnistFits(pairs: 200, layers: 2, seed: 5);
        var frame = FitFrames.summaryFrame(fits);
        var layers = FitFrames.byLayerSeeded(17, frame);
        Assert.Equal(layers, FitFrames.byLayerSeeded(17, frame)); // reproducible from the seed
        var other = FitFrames.byLayerSeeded(18, frame);
        Assert.NotEqual(layers[0].EtaHMedianLo, other[0].EtaHMedianLo);
        foreach (var s in layers)
        {
            var at = fits.Where(f => f.Layer == s.Layer).ToArray();
            var (lo, hi) = RepAlign.Theory.Wilson.Interval(at.Count(FitFrames.describedWell), at.Length);
            Assert.Equal(lo, s.DescribedWellLo, Tol);
            Assert.Equal(hi, s.DescribedWellHi, Tol);
            foreach (var (median, low, high) in new[]
            {
                (s.EtaHMedian, s.EtaHMedianLo, s.EtaHMedianHi), (s.EtaYMedian, s.EtaYMedianLo, s.EtaYMedianHi),
                (s.EtaRatioMedian, s.EtaRatioMedianLo, s.EtaRatioMedianHi), (s.R2HMedian, s.R2HMedianLo, s.R2HMedianHi),
                (s.R2YMedian, s.R2YMedianLo, s.R2YMedianHi),
            })
            {
                Assert.True(low < median && median < high, $"layer {s.Layer}: median {median} in [{low}, {high}]");
            }

            // The median of 200 uniform η_h on [0.001, 0.002]: sd ≈ 0.0005/(2·0.001·sqrt(200))·… ≈ 3.5e-5, so the interval is ~1.4e-4 wide.
            Assert.InRange(s.EtaHMedianHi - s.EtaHMedianLo, 0.5e-4, 3e-4);
            Assert.Equal(0, s.AlternativesCompared);
            Assert.True(double.IsNaN(s.WinsOverAlternatives) && double.IsNaN(s.WinsOverAlternativesLo));
        }
    }

    [Fact]
    public void WinsOverAlternativesCountsRatiosAboveOneAmongTheComparedFits()
    {
        FitRow[] fits =
        [
            Fit(0, 1, sRatio: 3.0), Fit(1, 1, sRatio: 0.4), Fit(2, 1, sRatio: double.PositiveInfinity), Fit(3, 1, sRatio: double.NaN),
            Fit(4, 1, sRatio: 1.0),
        ];
        var s = Assert.Single(FitFrames.summariseLayers(fits));
        Assert.Equal(4, s.AlternativesCompared); // NaN: not compared
        Assert.Equal(0.5, s.WinsOverAlternatives, Tol); // 3 and +∞ win; 0.4 and a tie (1.0) do not
        var (lo, hi) = RepAlign.Theory.Wilson.Interval(2, 4);
        Assert.Equal(lo, s.WinsOverAlternativesLo, Tol);
        Assert.Equal(hi, s.WinsOverAlternativesHi, Tol);
    }
}
