using RepAlign.Core;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using RepAlign.Core.Data;

namespace RepAlign.Inference.Bulk;

/// <summary>The outcome of one linear probe.</summary>
/// <param name="Accuracy">Held-out accuracy in [0, 1]; NaN when there were too few images or fewer than two classes to train on.</param>
/// <param name="TrainImages">Images the classifier was trained on.</param>
/// <param name="TestImages">Held-out images it was evaluated on.</param>
public readonly record struct ProbeResult(double Accuracy, int TrainImages, int TestImages);

/// <summary>
/// Decodability of a representation: an ML.NET multiclass linear classifier (L-BFGS maximum
/// entropy on mean–variance normalised features, one thread, fixed seed) trained on part of the
/// images' representations and evaluated on the rest. Cheap enough to run per layer and
/// checkpoint: at most <see cref="MaxImages"/> images are used. <see cref="EvaluateAll"/> probes the layers of
/// one checkpoint side by side, one core each.
/// </summary>
/// <remarks>
/// The classifier stops after <see cref="Iterations"/> L-BFGS iterations, well before it converges: on the main job,
/// 40 iterations instead of 20 move the held-out accuracy by up to 5.7 percentage points, and a warm start from the
/// previous checkpoint's classifier by up to 4.6 (benchmarks/results/linear-probe-linux-x64.md), far more than the
/// 0.5 points the probe may move. A faster probe therefore keeps
/// the very computation: the trainer reads the normalised training rows from a cache instead of normalising them on
/// each of its passes (the same numbers in the same order, so the same classifier), and the layers run in parallel.
/// </remarks>
public static class LinearProbe
{
    /// <summary>Most images a probe uses (a seeded subsample when there are more).</summary>
    public const int MaxImages = 2000;

    /// <summary>Fraction of the used images the classifier is trained on; the rest are held out.</summary>
    public const double TrainFraction = 0.75;

    /// <summary>L-BFGS iterations at most (a probe of 2000 images × 200 features then takes ≈ 0.15–0.3 s on one core).</summary>
    public const int Iterations = 20;

    /// <summary>Held-out accuracy of a linear classifier of <paramref name="labels"/> from <paramref name="features"/>, with the sizes of the two parts.</summary>
    /// <param name="features">n × width row-major.</param>
    /// <param name="n">Number of images.</param>
    /// <param name="width">Features per image.</param>
    /// <param name="labels">n labels ≥ 0 (negative labels are skipped).</param>
    /// <param name="seed">Seed of the subsample, the split and the trainer.</param>
    /// <param name="cacheTrainingRows">
    /// Whether the trainer reads the normalised training rows from a cache (the default) rather than normalising them
    /// on every pass; the classifier is the same either way (the uncached form is the reference for tests and benchmarks).
    /// </param>
    /// <param name="iterations">L-BFGS iterations at most (<see cref="Iterations"/>; other values are for measuring how far the probe is from converged).</param>
    /// <returns>The probe's result.</returns>
    public static ProbeResult Evaluate(float[] features, int n, int width, int[] labels, int seed, bool cacheTrainingRows = true, int iterations = Iterations)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (n < 0 || width < 1 || features.Length < (long)n * width || labels.Length < n)
            Throw.Argument(nameof(features), $"{n} images of {width} features: got {features.Length} features and {labels.Length} labels");

        var order = SplitMix64.Permutation(n, unchecked((ulong)seed));
        var used = order.Where(i => labels[i] >= 0).Take(MaxImages).ToArray();
        var trainCount = (int)Math.Round(used.Length * TrainFraction);
        var testCount = used.Length - trainCount;
        var classes = used.Length == 0 ? 0 : used.Max(i => labels[i]) + 1;
        if (trainCount < 2 || testCount < 1 || used.Take(trainCount).Select(i => labels[i]).Distinct().Count() < 2)
            return new ProbeResult(double.NaN, trainCount, testCount);

        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Sample));
        schema[nameof(Sample.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        schema[nameof(Sample.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        IEnumerable<Sample> Samples(IEnumerable<int> images) => images.Select(i => new Sample
        {
            Features = features.AsSpan(i * width, width).ToArray(),
            Label = (uint)labels[i] + 1, // key values are 1-based; 0 is "missing"
        });
        var train = ml.Data.LoadFromEnumerable(Samples(used.Take(trainCount)).ToList(), schema);
        var test = ml.Data.LoadFromEnumerable(Samples(used.Skip(trainCount)).ToList(), schema);

        var normalizer = ml.Transforms.NormalizeMeanVariance(nameof(Sample.Features)).Fit(train);
        var normalized = normalizer.Transform(train);
        var classifier = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = nameof(Sample.Label),
            FeatureColumnName = nameof(Sample.Features),
            MaximumNumberOfIterations = iterations,
            L2Regularization = 0.1f,
            NumberOfThreads = 1,
        }).Fit(cacheTrainingRows ? ml.Data.Cache(normalized) : normalized);
        var metrics = ml.MulticlassClassification.Evaluate(classifier.Transform(normalizer.Transform(test)), labelColumnName: nameof(Sample.Label));
        return new ProbeResult(metrics.MicroAccuracy, trainCount, testCount);
    }

    /// <summary>
    /// <see cref="Evaluate"/> of every layer of one checkpoint, the layers side by side on up to
    /// <paramref name="parallelism"/> cores (0 = every core); each result equals the layer's own <see cref="Evaluate"/>.
    /// </summary>
    /// <param name="features">Per layer, n × widths[l] row-major.</param>
    /// <param name="n">Number of images.</param>
    /// <param name="widths">Features per image of each layer.</param>
    /// <param name="labels">n labels ≥ 0 (negative labels are skipped).</param>
    /// <param name="seed">Seed of the subsample, the split and the trainer.</param>
    /// <param name="parallelism">Most layers probed at once (0 = <see cref="Environment.ProcessorCount"/>).</param>
    /// <returns>One result per layer, in order.</returns>
    public static ProbeResult[] EvaluateAll(IReadOnlyList<float[]> features, int n, IReadOnlyList<int> widths, int[] labels, int seed, int parallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count < features.Count) Throw.Argument(nameof(widths), $"{features.Count} layers but {widths.Count} widths");
        var results = new ProbeResult[features.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount };
        Parallel.For(0, features.Count, options, l => results[l] = Evaluate(features[l], n, widths[l], labels, seed));
        return results;
    }

    /// <summary>One image for ML.NET: its features and its label as a 1-based key.</summary>
    private sealed class Sample
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}
