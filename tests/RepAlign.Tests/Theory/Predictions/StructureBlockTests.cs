using RepAlign.Theory;
using Xunit;

namespace RepAlign.Tests.Theory.Predictions;

/// <summary>The notebook's block of P = exp(−A)·A·exp(−A) over N items equals the full computation's block.</summary>
public class StructureBlockTests
{
    [Theory]
    [InlineData(1.0)]   // small inputs: exp(−A) is dense, every row of A counts
    [InlineData(40.0)]  // pixel-sized inputs: exp(−A) underflows to the same-label blocks, as on MNIST
    public void Block_equals_the_full_matrix_product(double scale)
    {
        var random = new Random(11);
        const int n = 40, width = 6;
        var inputs = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, width).Select(_ => random.Next(0, (int)(3 * scale))).ToArray()).ToArray();
        var labels = Enumerable.Range(0, n).Select(_ => random.Next(0, 4)).ToArray();
        var block = Enumerable.Range(0, 12).OrderBy(i => labels[i]).ThenBy(i => i).ToArray();

        var rows = inputs.Select(r => r.Select(v => (double)v).ToArray()).ToArray();
        var oneHot = labels.Select(l => Enumerable.Range(0, 4).Select(c => c == l ? 1.0 : 0.0).ToArray()).ToArray();
        var full = StructurePrediction.Predict(StructurePrediction.DistanceMatrix(rows), StructurePrediction.DistanceMatrix(oneHot));

        var got = StructureBlock.Predict(inputs, labels, block);
        for (var i = 0; i < block.Length; i++)
            for (var j = 0; j < block.Length; j++)
            {
                var expected = full[block[i], block[j]];
                Assert.True(Math.Abs(got[i, j] - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"({i}, {j}): {got[i, j]} vs {expected}");
            }
    }

    [Fact]
    public void Squared_distances_of_pixels_are_exact_integers()
    {
        var a = Enumerable.Range(0, 784).Select(i => i % 2 == 0 ? 255 : 0).ToArray();
        var b = Enumerable.Range(0, 784).Select(i => i % 2 == 0 ? 0 : 255).ToArray();
        Assert.Equal(784L * 255 * 255, StructureBlock.SquaredDistance(a, b));
        Assert.Equal(0L, StructureBlock.SquaredDistance(a, a));
    }

    [Fact]
    public void Mismatched_labels_are_rejected()
    {
        Assert.ThrowsAny<ArgumentException>(() => StructureBlock.Predict([[1], [2]], [0], [0]));
        Assert.ThrowsAny<ArgumentException>(() => StructureBlock.Predict([[1], [2]], [0, 1], [2]));
    }
}
