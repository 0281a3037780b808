using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Statistics;

/// <summary>The Wilson score interval against published values.</summary>
public class WilsonTests
{
    /// <summary>
    /// Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in Medicine 17, Table II,
    /// method 3 (score interval without continuity correction): 81/263 → 0.2553–0.3662, 15/148 → 0.0624–0.1605,
    /// 0/20 → 0–0.1611, 1/29 → 0.0061–0.1718.
    /// </summary>
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void MatchesNewcombesTable(int k, int n, double low, double high)
    {
        var (lo, hi) = Wilson.Interval(k, n);
        Assert.Equal(low, lo, 0.00006);
        Assert.Equal(high, hi, 0.00006);
    }

    [Fact]
    public void IsSymmetricStaysInTheUnitIntervalAndIsNaNForNoTrials()
    {
        for (int n = 1; n <= 40; n++)
            for (int k = 0; k <= n; k++)
            {
                var (lo, hi) = Wilson.Interval(k, n);
                var (mlo, mhi) = Wilson.Interval(n - k, n);
                Assert.InRange(lo, 0, (double)k / n);
                Assert.InRange(hi, (double)k / n, 1);
                Assert.Equal(1 - hi, mlo, 1e-12);
                Assert.Equal(1 - lo, mhi, 1e-12);
            }

        var (nl, nh) = Wilson.Interval(0, 0);
        Assert.True(double.IsNaN(nl) && double.IsNaN(nh));
        Assert.Throws<ArgumentOutOfRangeException>(() => Wilson.Interval(3, 2));
    }
}
