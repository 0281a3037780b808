using System.Diagnostics;
using RepAlign.Core;
using RepAlign.Core.Metrics;
using RepAlign.Core.Tables;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// Measures h2, y2 and w of many pairs at every requested layer of every checkpoint. Per
/// checkpoint it makes one pass of ONNX Runtime over the distinct images of all pairs, in large
/// batches written into preallocated representation buffers (reused across batches and
/// checkpoints; sessions, batch and buffers as <see cref="ExecutionPlan"/> decides for the device), then computes the pair metrics from those rows and appends one row group per
/// checkpoint to the pairs table. Memory is the representations of the distinct images
/// (images × (Σ layer widths + output width) floats) plus one input batch per worker and one
/// checkpoint's rows, whatever the number of checkpoints; the pairs table is written grouped by pair
/// (<see cref="PairTableByPair"/>).
/// </summary>
public static class BulkPairExtractor
{
    /// <summary>Runs the extraction and writes <see cref="BulkExtractRequest.OutputParquet"/> (and the probe table, CSVs) atomically.</summary>
    /// <param name="request">What to measure and where to write it.</param>
    /// <param name="progress">Receives the number of checkpoints completed, after each one.</param>
    /// <param name="cancellationToken">Stops between batches; nothing is written then.</param>
    /// <returns>Counts and timings.</returns>
    /// <exception cref="BadInputException">The request is inconsistent, a checkpoint is missing or not ONNX, its input width differs from the data's, or it lacks a requested output.</exception>
    public static BulkExtractSummary Extract(BulkExtractRequest request, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var total = Stopwatch.StartNew();
        var inference = new Stopwatch();
        var metrics = new Stopwatch();
        var writing = new Stopwatch();

        var plan = new PairPlan(request);
        var layerCount = request.Layers.Count;
        var pairCount = request.Pairs.Length;
        var outputs = (request.LayerOutputs ?? request.Layers.Select(OnnxNames.Hidden).ToArray())
            .Append(request.PredictionOutput).ToArray();
        var rows = plan.CreateRows(request.Layers);
        using var workers = new ExtractionWorkers(request, outputs, plan.Images.Length);
        var forward = new Stopwatch();
        var representations = new float[outputs.Length][];
        var widths = new int[outputs.Length];
        var heldOut = request.HeldOutLabels.Length > 0 ? new HeldOutPass(request, outputs.Length) : null;
        var heldOutTime = new Stopwatch();
        var accuracy = new List<AccuracyRow>(request.Checkpoints.Count);
        var h2 = new double[pairCount];
        var y2 = new double[pairCount];
        var w = new double[pairCount];

        using var pairsTable = PairTableByPair.Create(request.OutputParquet, request.Csv, request.Metadata); // grouped by pair for the streaming fit
        using var probeTable = request.ProbeParquet is null ? null : ParquetStream<ProbeRow>.Create(request.ProbeParquet, request.Csv, request.Metadata);
        using var probes = probeTable is null ? null : new PendingProbes();
        void Write(IReadOnlyList<(int Epoch, ProbeResult[] Results)> done)
        {
            writing.Start();
            foreach (var (epoch, results) in done)
                probeTable!.AppendRowGroup(results.Select((r, l) =>
                    new ProbeRow { Epoch = epoch, Layer = request.Layers[l], Accuracy = r.Accuracy, TrainImages = r.TrainImages, TestImages = r.TestImages }).ToArray());
            writing.Stop();
        }
        var done = 0L;
        var (first, listed) = request.CheckpointRange;
        var last = (listed > 0 ? listed : request.Checkpoints.Count) - 1; // probe positions count over the run's whole list
        foreach (var (epoch, path) in request.Checkpoints)
        {
            var index = first + (int)done;
            cancellationToken.ThrowIfCancellationRequested();
            inference.Start();
            workers.Load(path);
            var current = workers.Widths;
            for (var k = 0; k < outputs.Length; k++)
            {
                widths[k] = current[k];
                if (representations[k]?.Length != plan.Images.Length * widths[k])
                    representations[k] = probes?.Rent(plan.Images.Length * widths[k]) ?? new float[plan.Images.Length * widths[k]]; // (D, width_k)
            }
            forward.Start();
            RunWorkers(workers.Runners, request, plan.Images, representations, widths, cancellationToken);
            forward.Stop();
            inference.Stop();
            if (heldOut is not null)
            {
                heldOutTime.Start();
                RunWorkers(workers.Runners, heldOut.Request, heldOut.Images, heldOut.Outputs(widths), widths, cancellationToken);
                accuracy.Add(heldOut.Accuracy(epoch, widths[^1]));
                heldOutTime.Stop();
            }

            metrics.Start();
            var prediction = representations[^1];
            var outWidth = widths[^1];
            for (var p = 0; p < pairCount; p++)
            {
                var predA = prediction.AsSpan(plan.PositionA[p] * outWidth, outWidth);
                var predB = prediction.AsSpan(plan.PositionB[p] * outWidth, outWidth);
                var (a, b) = request.Pairs[p];
                y2[p] = PairMetrics.SquaredDistance(predA, predB);
                w[p] = PairMetrics.Alignment(y2[p], predA, predB, Target(request, a), Target(request, b));
            }
            for (var l = 0; l < layerCount; l++)
            {
                var reps = representations[l];
                PairKernels.PairDistances(reps, widths[l], plan.PositionA, plan.PositionB, h2);
                var offset = l * pairCount;
                for (var p = 0; p < pairCount; p++)
                {
                    var row = rows[offset + p];
                    row.Epoch = epoch;
                    row.Step = request.Steps is { } steps ? steps[index] : -1;
                    row.H2 = h2[p];
                    row.Y2 = y2[p];
                    row.W = w[p];
                }
            }
            metrics.Stop();

            writing.Start();
            pairsTable.AppendCheckpoint(rows);
            writing.Stop();

            if (probes is not null && (index % request.ProbeEvery == 0 || index == last))
            {
                var features = representations[..layerCount]; // the probes' own now: the next checkpoint rents new rows
                for (var l = 0; l < layerCount; l++) representations[l] = null!;
                Write(probes.Start(epoch, features, plan.Images.Length, widths[..layerCount], plan.ImageLabels, request.ProbeSeed));
            }
            done++;
            progress?.Report(done);
        }

        if (probes is not null) Write(probes.Completed(wait: int.MaxValue));
        writing.Start();
        pairsTable.Complete();
        probeTable?.Complete();
        writing.Stop();
        total.Stop();
        return new BulkExtractSummary(pairsTable.RowCount, request.Checkpoints.Count, pairCount, layerCount, plan.Images.Length,
            total.Elapsed.TotalSeconds, inference.Elapsed.TotalSeconds, metrics.Elapsed.TotalSeconds, writing.Elapsed.TotalSeconds, probes?.ProbeTime.TotalSeconds ?? 0, probes?.Waited.TotalSeconds ?? 0,
            forward.Elapsed.TotalSeconds, workers.Describe())
        { HeldOut = accuracy, HeldOutSeconds = heldOutTime.Elapsed.TotalSeconds };
    }

    /// <summary>
    /// Runs <see cref="BatchedForward.Run"/> on contiguous shares of <paramref name="images"/>, one per worker, concurrently.
    /// </summary>
    private static void RunWorkers(IReadOnlyList<BatchRunner> runners, BulkExtractRequest request, int[] images,
        float[][] representations, int[] widths, CancellationToken cancellationToken)
    {
        if (runners.Count == 1)
        {
            BatchedForward.Run(runners[0], request, images, 0, images.Length, representations, widths, cancellationToken);
            return;
        }
        // On the calling thread and pool threads, which live across checkpoints: a fresh thread per worker and checkpoint
        // (as before) halved the passes' throughput, since ONNX Runtime's per-thread buffers were made anew each time
        // (benchmarks/results/gpu-linux-x64.md).
        Parallelism.For(runners.Count, runners.Count, worker =>
        {
            var first = (int)((long)images.Length * worker / runners.Count);
            var end = (int)((long)images.Length * (worker + 1) / runners.Count);
            BatchedForward.Run(runners[worker], request, images, first, end - first, representations, widths, cancellationToken);
        });
    }

    /// <summary>
    /// The held-out images' pass through a checkpoint's loaded workers: their outputs land in buffers of their own (kept
    /// across checkpoints), and only the prediction is read.
    /// </summary>
    private sealed class HeldOutPass(BulkExtractRequest request, int outputs)
    {
        private readonly float[][] buffers = new float[outputs][];

        /// <summary>The request as the batched pass reads it: the held-out rows as its images.</summary>
        public BulkExtractRequest Request { get; } = request with { Images = request.HeldOutImages };

        /// <summary>Positions 0..M−1 of the held-out rows.</summary>
        public int[] Images { get; } = Enumerable.Range(0, request.HeldOutLabels.Length).ToArray();

        /// <summary>One buffer per output for the current checkpoint's widths.</summary>
        public float[][] Outputs(int[] widths)
        {
            for (var k = 0; k < buffers.Length; k++)
                if (buffers[k]?.Length != Images.Length * widths[k]) buffers[k] = new float[Images.Length * widths[k]];
            return buffers;
        }

        /// <summary>The accuracy of the pass just run: each row's largest output (the first, on a tie) against its label.</summary>
        public AccuracyRow Accuracy(int epoch, int width)
        {
            var labels = request.HeldOutLabels;
            var prediction = buffers[^1];
            var correct = 0;
            for (var i = 0; i < labels.Length; i++)
            {
                var row = prediction.AsSpan(i * width, width);
                var best = 0;
                for (var c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
                if (best == labels[i]) correct++;
            }
            return new AccuracyRow { Epoch = epoch, Accuracy = (double)correct / labels.Length, Images = labels.Length };
        }
    }

    private static ReadOnlySpan<float> Target(BulkExtractRequest request, int index) =>
        request.Targets.AsSpan(index * request.TargetWidth, request.TargetWidth);
}
