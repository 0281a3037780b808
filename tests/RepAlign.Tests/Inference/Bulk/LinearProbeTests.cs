using Microsoft.ML;
using Microsoft.ML.Data;
using RepAlign.Inference.Bulk;

namespace RepAlign.Tests.Inference.Bulk;

public class LinearProbeTests
{
    /// <summary>n points in 20 dimensions: class c is a unit-variance Gaussian around 4·e_c (linearly separable with high margin).</summary>
    private static (float[] Features, int[] Labels) Clusters(int n, int seed)
    {
        var rng = new Random(seed);
        const int width = 20;
        var features = new float[n * width];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = rng.Next(10);
            for (var j = 0; j < width; j++)
                features[i * width + j] = (float)((j == labels[i] ? 4.0 : 0.0) + Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()) * 0.5);
        }
        return (features, labels);
    }

    [Fact]
    public void Separable_classes_are_decoded()
    {
        var (features, labels) = Clusters(1200, 1);
        var result = LinearProbe.Evaluate(features, 1200, 20, labels, 7);
        Assert.True(result.Accuracy > 0.95, $"accuracy {result.Accuracy}");
        Assert.Equal((900, 300), (result.TrainImages, result.TestImages));
        Assert.Equal(result, LinearProbe.Evaluate(features, 1200, 20, labels, 7)); // seeded: the same again
    }

    [Fact]
    public void Shuffled_labels_give_chance_level()
    {
        var (features, labels) = Clusters(1200, 2);
        var rng = new Random(3);
        var shuffled = labels.Select(_ => rng.Next(10)).ToArray(); // labels independent of the features
        var accuracy = LinearProbe.Evaluate(features, 1200, 20, shuffled, 7).Accuracy;
        Assert.InRange(accuracy, 0.0, 0.2);
    }

    [Fact]
    public void At_most_max_images_are_used_and_degenerate_input_gives_nan()
    {
        var (features, labels) = Clusters(3000, 4);
        var result = LinearProbe.Evaluate(features, 3000, 20, labels, 1);
        Assert.Equal(LinearProbe.MaxImages, result.TrainImages + result.TestImages);
        Assert.True(double.IsNaN(LinearProbe.Evaluate(features, 2, 20, labels, 1).Accuracy));
        Assert.True(double.IsNaN(LinearProbe.Evaluate(features, 50, 20, new int[50], 1).Accuracy)); // one class only
    }

    [Fact]
    public void Probes_beside_the_passes_give_the_reference_results_in_checkpoint_order()
    {
        // Seven checkpoints of three layers: more than PendingProbes.Depth in flight, so some wait for the oldest.
        var checkpoints = Enumerable.Range(0, 7).Select(c => Enumerable.Range(0, 3).Select(l => Clusters(300, 100 + 10 * c + l)).ToArray()).ToArray();
        var labels = checkpoints[0][0].Labels; // layers other than this one's have unrelated features: near chance, so results differ
        var results = new List<(int Epoch, ProbeResult[] Results)>();
        using (var pending = new PendingProbes())
        {
            for (var c = 0; c < checkpoints.Length; c++)
            {
                results.AddRange(pending.Start(10 * c, checkpoints[c].Select(l => l.Features.ToArray()).ToArray(), 300, [20, 20, 20], labels, 5));
                Assert.True(results.Count >= c + 1 - PendingProbes.Depth, $"{results.Count} checkpoints back after {c + 1} started");
            }
            results.AddRange(pending.Completed(wait: int.MaxValue));
            Assert.Empty(pending.Completed(wait: int.MaxValue));
        }
        Assert.Equal(Enumerable.Range(0, 7).Select(c => 10 * c), results.Select(r => r.Epoch)); // each once, in order
        for (var c = 0; c < checkpoints.Length; c++)
            for (var l = 0; l < 3; l++)
            {
                var reference = LinearProbe.Evaluate(checkpoints[c][l].Features, 300, 20, labels, 5, reference: true);
                Assert.Equal(reference, results[c].Results[l]);
            }
        Assert.True(results[0].Results[0].Accuracy > 0.9, $"decodable layer: accuracy {results[0].Results[0].Accuracy}");
        Assert.True(results[0].Results[1].Accuracy < 0.5, $"unrelated layer: accuracy {results[0].Results[1].Accuracy}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_scales_are_ml_nets_mean_variance_normaliser_bit_for_bit(int seed)
    {
        // Features as the hidden layers give them: many exact zeros, small negative values (leaky relu), a constant
        // feature, an all-zero one, magnitudes from 1e-3 to 1e2, and a subset of rows in a shuffled order.
        var rng = new Random(seed);
        const int n = 400, width = 40;
        var magnitude = Math.Pow(10, rng.Next(-3, 3));
        var features = new float[n * width];
        for (var i = 0; i < features.Length; i++)
        {
            var v = (float)((rng.NextDouble() * 2 - 0.7) * magnitude);
            features[i] = rng.NextDouble() < 0.3 ? 0f : v < 0 ? v * 0.01f : v;
        }
        for (var i = 0; i < n; i++) (features[i * width], features[i * width + 1]) = (0f, 1.5f);
        var rows = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).Take(300).ToArray();

        var scales = LinearProbe.MeanVarianceScales(features, width, rows);

        var ml = new Microsoft.ML.MLContext(seed);
        var data = ml.Data.LoadFromEnumerable(rows.Select(i => new Row { Features = features.AsSpan(i * width, width).ToArray() }).ToList(),
            Microsoft.ML.Data.SchemaDefinition.Create(typeof(Row)).With(width));
        var normalized = ml.Transforms.NormalizeMeanVariance(nameof(Row.Features)).Fit(data).Transform(data).GetColumn<float[]>(nameof(Row.Features)).ToArray();
        var compared = 0;
        for (var r = 0; r < rows.Length; r++)
            for (var j = 0; j < width; j++, compared++)
                Assert.Equal(BitConverter.SingleToInt32Bits(normalized[r][j]), BitConverter.SingleToInt32Bits(features[rows[r] * width + j] * scales[j]));
        Assert.Equal(300 * width, compared);
        Assert.Equal(0f, scales[0]); // all zero
        Assert.Equal(0f, scales[1]); // constant
        Assert.Contains(scales, s => s != 0f && s != 1f);
    }

    [Fact]
    public void The_probe_equals_the_reference_with_ml_nets_normaliser()
    {
        for (var seed = 20; seed < 24; seed++)
        {
            var (features, labels) = Clusters(500, seed);
            for (var i = 0; i < features.Length; i += 3) features[i] = 0f; // zeros, as after a relu
            var probe = LinearProbe.Evaluate(features, 500, 20, labels, seed);
            Assert.Equal(LinearProbe.Evaluate(features, 500, 20, labels, seed, reference: true), probe);
            Assert.InRange(probe.Accuracy, 0.5, 1.0);
        }
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }
}

internal static class SchemaWidth
{
    /// <summary>The schema with its Features column a vector of <paramref name="width"/> floats.</summary>
    public static Microsoft.ML.Data.SchemaDefinition With(this Microsoft.ML.Data.SchemaDefinition schema, int width)
    {
        schema["Features"].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, width);
        return schema;
    }
}
