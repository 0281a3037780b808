using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using Xunit;

namespace RepAlign.Tests.Data;

public class PointSetTests
{
    [Fact]
    public void Two_points_keep_the_spec_distances_exactly()
    {
        var set = PointSet.Of(new DataSpec { Dx2 = 0.7, Dy2 = 0.3, InputDim = 3, OutputDim = 2 });
        Assert.Equal((2, 3, 2), (set.Count, set.InputDim, set.OutputDim));
        Assert.Equal([(0, 1)], set.Pairs);
        Assert.Equal(0.7, set.PairDx2[0]);
        Assert.Equal(0.3, set.PairDy2[0]);
        var dx2 = Enumerable.Range(0, 3).Sum(j => Math.Pow(set.XRow(1)[j] - set.XRow(0)[j], 2));
        Assert.Equal(0.7, dx2, 1e-6);
    }

    [Fact]
    public void Xor_has_four_points_six_pairs_and_xor_targets()
    {
        var set = PointSet.Xor();
        Assert.Equal(4, set.Count);
        Assert.Equal(6, set.Pairs.Count);
        for (var i = 0; i < 4; i++)
        {
            var (a, b) = ((int)set.XRow(i)[0], (int)set.XRow(i)[1]);
            Assert.Equal(a ^ b, (int)set.YRow(i)[0]);
        }
        // (0,0)–(1,1): dx2 = 2, same target; (0,0)–(0,1): dx2 = 1, different targets.
        var diagonal = set.Pairs.ToList().IndexOf((0, 3));
        Assert.Equal((2.0, 0.0), (set.PairDx2[diagonal], set.PairDy2[diagonal]));
        Assert.Equal((1.0, 1.0), (set.PairDx2[0], set.PairDy2[0]));
    }

    [Fact]
    public void Context_blobs_are_normalised_images_with_a_context_and_the_relevant_coordinate_as_target()
    {
        var set = PointSet.ContextBlobs();
        Assert.Equal((1800, 27, 1), (set.Count, set.InputDim, set.OutputDim));
        for (var i = 0; i < set.Count; i++)
        {
            var row = set.XRow(i);
            Assert.Equal(1.0, row[..25].ToArray().Sum(v => (double)v), 1e-5);
            var context = i / 900;
            Assert.Equal((1 - context, context), ((int)row[25], (int)row[26]));
            var expected = context == 0 ? set.Features["mu_x"][i] : set.Features["mu_y"][i];
            Assert.Equal(expected, set.YRow(i)[0], 1e-6);
        }
        // Blob 31 sits at grid (x index 1, y index 1): μ = (−1 + 2/29, −1 + 2/29); its brightest pixel is the corner nearest it.
        Assert.Equal(-1 + 2.0 / 29, set.Features["mu_x"][31], 12);
        var image = set.XRow(31)[..25].ToArray();
        Assert.Equal(0, Array.IndexOf(image, image.Max()));
        Assert.Equal(25, set.Pairs.Count);
        Assert.All(set.Pairs, p => Assert.Equal(p.A + 900, p.B));
        Assert.All(set.PairDx2, d => Assert.Equal(2.0, d, 1e-12)); // same image, contexts swapped
    }

    [Fact]
    public void Mnist_is_not_a_point_set()
    {
        var e = Assert.Throws<BadInputException>(() => PointSet.Of(new DataSpec { Kind = DataKind.Mnist }));
        Assert.Contains("data.kind", e.Message);
    }
}
