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
/// checkpoint: at most <see cref="MaxImages"/> images are used. <see cref="PendingProbes"/> runs the probes of an
/// extraction on the thread pool beside its passes.
/// </summary>
/// <remarks>
/// The classifier stops after <see cref="Iterations"/> L-BFGS iterations, well before it converges: on the main job,
/// 40 iterations instead of 20 move the held-out accuracy by up to 5.7 percentage points, and a warm start from the
/// previous checkpoint's classifier by up to 4.6 (benchmarks/results/linear-probe-linux-x64.md), far more than the
/// 0.5 points the probe may move. A faster probe therefore keeps the very computation and saves only around it:
/// <list type="bullet">
/// <item>the features are scaled here as ML.NET's mean–variance normaliser (zero kept at zero) scales them, bit for bit
/// (<see cref="MeanVarianceScales"/>), instead of by fitting and applying that normaliser, a pipeline of its own;</item>
/// <item>the trainer reads the training rows from a cache instead of producing them on each of its passes;</item>
/// <item>the probes run on the thread pool beside the extraction's passes (<see cref="PendingProbes"/>).</item>
/// </list>
/// The same numbers reach the trainer in the same order, so the classifier is the same; the reference form
/// (<c>reference: true</c>: ML.NET's normaliser, rows not cached) is what tests and benchmarks compare with.
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
    /// <param name="reference">
    /// Whether to fit and apply ML.NET's own normaliser and let the trainer read uncached rows, the computation the
    /// probe had first; the classifier is the same either way (the reference is for tests and benchmarks).
    /// </param>
    /// <param name="iterations">L-BFGS iterations at most (<see cref="Iterations"/>; other values are for measuring how far the probe is from converged).</param>
    /// <returns>The probe's result.</returns>
    public static ProbeResult Evaluate(float[] features, int n, int width, int[] labels, int seed, bool reference = false, int iterations = Iterations)
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
        var scales = reference ? null : MeanVarianceScales(features, width, used.AsSpan(0, trainCount));
        IEnumerable<Sample> Samples(IEnumerable<int> images) => images.Select(i =>
        {
            var row = features.AsSpan(i * width, width).ToArray();
            if (scales is not null)
                for (var j = 0; j < width; j++) row[j] *= scales[j];
            return new Sample { Features = row, Label = (uint)labels[i] + 1 }; // key values are 1-based; 0 is "missing"
        });
        var train = ml.Data.LoadFromEnumerable(Samples(used.Take(trainCount)).ToList(), schema);
        var test = ml.Data.LoadFromEnumerable(Samples(used.Skip(trainCount)).ToList(), schema);

        var normalizer = reference ? ml.Transforms.NormalizeMeanVariance(nameof(Sample.Features)).Fit(train) : null;
        var trainer = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = nameof(Sample.Label),
            FeatureColumnName = nameof(Sample.Features),
            MaximumNumberOfIterations = iterations,
            L2Regularization = 0.1f,
            NumberOfThreads = 1,
        });
        var classifier = trainer.Fit(normalizer is null ? ml.Data.Cache(train) : normalizer.Transform(train));
        var metrics = ml.MulticlassClassification.Evaluate(classifier.Transform(normalizer is null ? test : normalizer.Transform(test)), labelColumnName: nameof(Sample.Label));
        return new ProbeResult(metrics.MicroAccuracy, trainCount, testCount);
    }

    /// <summary>
    /// The factor of each feature by which ML.NET's <c>NormalizeMeanVariance</c> (zero kept at zero, its default) scales
    /// it when fitted to the <paramref name="rows"/> of <paramref name="features"/> (n × width): per feature, the mean and
    /// the sum of squared deviations of its nonzero finite values, accumulated in double in row order (Welford's update),
    /// then the zeros merged in, and 1 / (float)√(M2 / count + mean²), or 0 for a constant feature. Equal to the
    /// normaliser's bit for bit (a test compares them); the normalised value is the float product of value and factor.
    /// </summary>
    public static float[] MeanVarianceScales(float[] features, int width, ReadOnlySpan<int> rows)
    {
        var scales = new float[width];
        for (var j = 0; j < width; j++)
        {
            double mean = 0, m2 = 0;
            long count = 0, nonFinite = 0;
            foreach (var i in rows)
            {
                var v = features[(long)i * width + j];
                if (v == 0) continue;
                if (!float.IsFinite(v))
                {
                    nonFinite++;
                    continue;
                }
                count++;
                var delta = v - mean;
                mean += delta / count;
                m2 += delta * (v - mean);
            }
            var zeros = rows.Length - nonFinite - count;
            if (zeros > 0)
            {
                count += zeros;
                var delta = 0 - mean;
                mean += delta * zeros / count;
                m2 += delta * (0 - mean) * zeros;
            }
            scales[j] = m2 == 0 ? 0f : 1 / (float)Math.Sqrt(m2 / count + mean * mean);
        }
        return scales;
    }

    /// <summary>One image for ML.NET: its features and its label as a 1-based key.</summary>
    private sealed class Sample
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}
