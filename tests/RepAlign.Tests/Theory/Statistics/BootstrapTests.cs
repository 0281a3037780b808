using RepAlign.Analysis;
using RepAlign.Theory;
using Xunit.Abstractions;

namespace RepAlign.Tests.Theory.Statistics;

/// <summary>The bootstrap of medians: the fast count-based path against resampling and FitFrames.median, seeded.</summary>
public class BootstrapTests(ITestOutputHelper output)
{
    [Fact]
    public void MedianReplicatesEqualTheMedianOfEachResample()
    {
        int seed = TheoryTestData.TestSeed(77);
        output.WriteLine($"seed {seed} (set REPALIGN_TEST_SEED to replay)");
        var random = new Random(seed);
        foreach (int n in new[] { 1, 2, 7, 40, 101 })
        {
            // Ties, NaN and infinities among the values: the median skips the non-finite ones, as FitFrames.median does.
            double[] Column() => Enumerable.Range(0, n).Select(_ => random.Next(10) switch
            {
                0 => double.NaN,
                1 => double.NegativeInfinity,
                2 => 3.0,
                _ => random.NextDouble() * 10 - 2,
            }).ToArray();
            var columns = new[] { Column(), Column() };
            int resamples = 60, groupSeed = Bootstrap.GroupSeed(seed, n);
            var fast = Bootstrap.MedianReplicates(columns, resamples, groupSeed);
            int r = 0;
            foreach (var indices in Bootstrap.ResampleIndices(n, resamples, groupSeed))
            {
                for (int c = 0; c < columns.Length; c++)
                {
                    double slow = FitFrames.median(indices.Select(i => columns[c][i]));
                    if (double.IsNaN(slow)) Assert.True(double.IsNaN(fast[c][r]), $"n {n} resample {r} column {c}");
                    else Assert.Equal(slow, fast[c][r], 1e-12);
                }

                r++;
            }

            Assert.Equal(resamples, r);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameReplicatesAndAnotherSeedOthers()
    {
        var column = Enumerable.Range(0, 50).Select(i => Math.Sin(i) * 3).ToArray();
        var a = Bootstrap.MedianReplicates([column], 200, 5)[0];
        var b = Bootstrap.MedianReplicates([column], 200, 5)[0];
        var c = Bootstrap.MedianReplicates([column], 200, 6)[0];
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(Bootstrap.GroupSeed(5, 0), Bootstrap.GroupSeed(5, 1));
        Assert.Equal(Bootstrap.GroupSeed(5, 1), Bootstrap.GroupSeed(5, 1));
    }

    [Fact]
    public void PercentileIntervalOfANormalMedianCoversItsKnownSpread()
    {
        // Median of n = 400 standard normals: sd ≈ sqrt(π/2)/sqrt(n) = 0.0627, so the 95 % interval is about ±0.123 wide.
        var random = new Random(11);
        var values = Enumerable.Range(0, 400).Select(_ => SyntheticTrajectory.Gaussian(random)).ToArray();
        var replicates = Bootstrap.MedianReplicates([values], Bootstrap.DefaultResamples, 3)[0];
        double lo = FitFrames.quantile(0.025, replicates), hi = FitFrames.quantile(0.975, replicates);
        output.WriteLine($"median {FitFrames.median(values):F4}, interval [{lo:F4}, {hi:F4}]");
        Assert.InRange(FitFrames.median(values), lo, hi);
        Assert.InRange(hi - lo, 0.18, 0.32);
    }
}
