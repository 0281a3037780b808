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
    public void All_layers_at_once_and_the_cached_rows_give_the_reference_results_exactly()
    {
        var layers = Enumerable.Range(0, 3).Select(l => Clusters(700, 10 + l)).ToArray();
        var labels = layers[0].Labels;
        // Layers 1 and 2 with their own features but layer 0's labels: partly decodable, so accuracies differ.
        var features = layers.Select(l => l.Features).ToArray();
        var all = LinearProbe.EvaluateAll(features, 700, [20, 20, 20], labels, 5);
        Assert.Equal(3, all.Length);
        for (var l = 0; l < 3; l++)
        {
            var reference = LinearProbe.Evaluate(features[l], 700, 20, labels, 5, cacheTrainingRows: false);
            Assert.Equal(reference, all[l]);
            Assert.Equal(reference, LinearProbe.Evaluate(features[l], 700, 20, labels, 5));
        }
        Assert.True(all[0].Accuracy > 0.95, $"layer 0 accuracy {all[0].Accuracy}");
        Assert.True(all[1].Accuracy < 0.5, $"layer 1 accuracy {all[1].Accuracy}"); // unrelated features: near chance
    }
}
