using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using Xunit;

namespace RepAlign.Tests.Data;

public class TwoPointsTests
{
    [Theory]
    [InlineData(1, 1, 1.0, 0.5)]
    [InlineData(5, 3, 0.7, 2.0)]
    public void Points_have_the_requested_distances(int dIn, int dOut, double dx2, double dy2)
    {
        var d = PointSet.TwoPoints(new DataSpec { InputDim = dIn, OutputDim = dOut, Dx2 = dx2, Dy2 = dy2 });
        Assert.Equal(2 * dIn, d.X.Length);
        Assert.Equal(2 * dOut, d.Y.Length);
        Assert.Equal((float)(-1 / Math.Sqrt(dIn)), d.XRow(0)[0]);
        Assert.Equal((float)(0.6 / Math.Sqrt(dOut)), d.YRow(0)[^1]);
        Assert.Equal(dx2, PairMetrics.SquaredDistance(d.XRow(0), d.XRow(1)), 5);
        Assert.Equal(dy2, PairMetrics.SquaredDistance(d.YRow(0), d.YRow(1)), 5);
        Assert.Equal([(0, 1)], d.Pairs);
    }

    [Fact]
    public void Invalid_spec_is_bad_input() =>
        Assert.Contains("data.dx2", Assert.Throws<BadInputException>(() => PointSet.TwoPoints(new DataSpec { Dx2 = -1 })).Message);

    [Fact]
    public void Pair_metrics_by_hand()
    {
        var m = PairMetrics.Compute([1f, 2f], [4f, 6f], [0.5f], [1.5f], [0f], [2f]);
        Assert.Equal(25.0, m.H2);
        Assert.Equal(1.0, m.Y2);
        Assert.Equal(1.0 - 2.0, m.W);
    }
}
