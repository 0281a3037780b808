using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using RepAlign.Core;
using RepAlign.Core.Metrics;
using RepAlign.Core.Tables;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// Measures h2, y2 and w of many pairs at every requested layer of every checkpoint. Per
/// checkpoint it makes one pass of ONNX Runtime over the distinct images of all pairs, in large
/// batches written straight into preallocated representation buffers (reused across batches and
/// checkpoints), then computes the pair metrics from those rows and appends one row group per
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
        Validate(request);
        var total = Stopwatch.StartNew();
        var inference = new Stopwatch();
        var metrics = new Stopwatch();
        var writing = new Stopwatch();
        var probing = new Stopwatch();

        var plan = new PairPlan(request);
        var layerCount = request.Layers.Count;
        var pairCount = request.Pairs.Length;
        var outputs = (request.LayerOutputs ?? request.Layers.Select(PointSetExtractor.HiddenName).ToArray())
            .Append(request.PredictionOutput).ToArray();
        var rows = plan.CreateRows(request.Layers);
        var workers = Math.Min(request.Workers, plan.Images.Length);
        var batchRows = request.FixedBatch ? request.BatchSize : Math.Min(request.BatchSize, plan.Images.Length);
        var inputs = Enumerable.Range(0, workers).Select(_ => new float[batchRows * request.InputWidth]).ToArray(); // per worker (B, d_in)
        var representations = new float[outputs.Length][];
        var widths = new int[outputs.Length];
        var norms = request.Distance == PairDistanceMethod.NormDot ? new double[plan.Images.Length] : [];
        var h2 = new double[pairCount];
        var y2 = new double[pairCount];
        var w = new double[pairCount];

        using var pairsTable = PairTableByPair.Create(request.OutputParquet, request.Csv, request.Metadata); // grouped by pair for the streaming fit
        using var probeTable = request.ProbeParquet is null ? null : ParquetStream<ProbeRow>.Create(request.ProbeParquet, request.Csv, request.Metadata);
        var probeRows = new ProbeRow[layerCount];
        var done = 0L;
        var last = request.Checkpoints.Count - 1;
        foreach (var (epoch, path) in request.Checkpoints)
        {
            var index = (int)done;
            cancellationToken.ThrowIfCancellationRequested();
            inference.Start();
            var runners = new List<OnnxModelRunner>(workers);
            try
            {
                for (var k = 0; k < workers; k++) runners.Add(Open(path, request, outputs));
                for (var k = 0; k < outputs.Length; k++)
                {
                    widths[k] = runners[0].OutputWidth(outputs[k]);
                    if (representations[k]?.Length != plan.Images.Length * widths[k])
                        representations[k] = new float[plan.Images.Length * widths[k]]; // (D, width_k)
                }
                RunWorkers(runners, request, plan.Images, inputs, outputs, representations, widths, cancellationToken);
            }
            finally
            {
                foreach (var runner in runners) runner.Dispose();
            }
            inference.Stop();

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
                if (request.Distance == PairDistanceMethod.NormDot) PairKernels.SquaredNorms(reps, plan.Images.Length, widths[l], norms);
                PairKernels.PairDistances(reps, widths[l], plan.PositionA, plan.PositionB, request.Distance, norms, h2);
                var offset = l * pairCount;
                for (var p = 0; p < pairCount; p++)
                {
                    var row = rows[offset + p];
                    row.Epoch = epoch;
                    row.H2 = h2[p];
                    row.Y2 = y2[p];
                    row.W = w[p];
                }
            }
            metrics.Stop();

            writing.Start();
            pairsTable.AppendCheckpoint(rows);
            writing.Stop();

            if (probeTable is not null && (index % request.ProbeEvery == 0 || index == last))
            {
                probing.Start();
                for (var l = 0; l < layerCount; l++)
                {
                    var r = LinearProbe.Evaluate(representations[l], plan.Images.Length, widths[l], plan.ImageLabels, request.ProbeSeed);
                    probeRows[l] = new ProbeRow { Epoch = epoch, Layer = request.Layers[l], Accuracy = r.Accuracy, TrainImages = r.TrainImages, TestImages = r.TestImages };
                }
                probing.Stop();
                writing.Start();
                probeTable.AppendRowGroup(probeRows);
                writing.Stop();
            }
            done++;
            progress?.Report(done);
        }

        writing.Start();
        pairsTable.Complete();
        probeTable?.Complete();
        writing.Stop();
        total.Stop();
        return new BulkExtractSummary(pairsTable.RowCount, request.Checkpoints.Count, pairCount, layerCount, plan.Images.Length,
            total.Elapsed.TotalSeconds, inference.Elapsed.TotalSeconds, metrics.Elapsed.TotalSeconds, writing.Elapsed.TotalSeconds, probing.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Runs <see cref="Forward(OnnxModelRunner, BulkExtractRequest, int[], int, int, float[], string[], float[][], int[], CancellationToken)"/>
    /// on contiguous shares of <paramref name="images"/>, one per runner, concurrently.
    /// </summary>
    private static void RunWorkers(List<OnnxModelRunner> runners, BulkExtractRequest request, int[] images, float[][] inputs, string[] outputs,
        float[][] representations, int[] widths, CancellationToken cancellationToken)
    {
        if (runners.Count == 1)
        {
            Forward(runners[0], request, images, 0, images.Length, inputs[0], outputs, representations, widths, cancellationToken);
            return;
        }
        var tasks = new Task[runners.Count];
        for (var w = 0; w < runners.Count; w++)
        {
            var worker = w;
            var first = (int)((long)images.Length * worker / runners.Count);
            var end = (int)((long)images.Length * (worker + 1) / runners.Count);
            tasks[w] = Task.Factory.StartNew(
                () => Forward(runners[worker], request, images, first, end - first, inputs[worker], outputs, representations, widths, cancellationToken),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        try
        {
            Task.WaitAll(tasks, CancellationToken.None);
        }
        catch (AggregateException e)
        {
            // Report the first failure as itself (BadInput, WorkFailed or cancellation), not wrapped.
            var first = e.Flatten().InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? e.Flatten().InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }

    /// <summary>One pass of the model over all of <paramref name="images"/> (see the other overload).</summary>
    /// <param name="runner">The open model.</param>
    /// <param name="request">Images, their width and the batch size.</param>
    /// <param name="images">Data indices of the images to run, in buffer order.</param>
    /// <param name="input">Input buffer of at least batch × width floats.</param>
    /// <param name="outputs">Output names.</param>
    /// <param name="representations">Per output, images.Length × widths[k] floats.</param>
    /// <param name="widths">Per output, values per row.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static void Forward(OnnxModelRunner runner, BulkExtractRequest request, int[] images, float[] input, string[] outputs,
        float[][] representations, int[] widths, CancellationToken cancellationToken = default) =>
        Forward(runner, request, images, 0, images?.Length ?? 0, input, outputs, representations, widths, cancellationToken);

    /// <summary>
    /// One pass of the model over images[<paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/>) (data indices), in batches of
    /// <see cref="BulkExtractRequest.BatchSize"/>: each batch's input rows are gathered into
    /// <paramref name="input"/> and ONNX Runtime writes every output straight into its slice of
    /// <paramref name="representations"/> (row r of output k = image images[r]).
    /// </summary>
    /// <param name="runner">The open model.</param>
    /// <param name="request">Images, their width and the batch size.</param>
    /// <param name="images">Data indices of all images, in buffer order.</param>
    /// <param name="first">First position in <paramref name="images"/> this pass runs.</param>
    /// <param name="count">Number of images this pass runs.</param>
    /// <param name="input">Input buffer of at least batch × width floats.</param>
    /// <param name="outputs">Output names.</param>
    /// <param name="representations">Per output, images.Length × widths[k] floats.</param>
    /// <param name="widths">Per output, values per row.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static void Forward(OnnxModelRunner runner, BulkExtractRequest request, int[] images, int first, int count, float[] input, string[] outputs,
        float[][] representations, int[] widths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(representations);
        ArgumentNullException.ThrowIfNull(widths);
        var width = request.InputWidth;
        var batch = request.FixedBatch ? request.BatchSize : Math.Max(1, Math.Min(request.BatchSize, input.Length / width));
        if (input.Length < batch * width) throw new ArgumentException($"input buffer of {input.Length} values, expected at least {batch} × {width}", nameof(input));
        if (first < 0 || count < 0 || first + count > images.Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"images {first}..{first + count - 1} of {images.Length}");
        var destinations = new Memory<float>[outputs.Length];
        for (var start = first; start < first + count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(batch, first + count - start);
            for (var r = 0; r < rows; r++)
                request.Images.AsSpan(images[start + r] * width, width).CopyTo(input.AsSpan(r * width, width));
            var padded = request.FixedBatch && rows < batch;
            var runRows = padded ? batch : rows;
            if (padded) input.AsSpan(rows * width, (batch - rows) * width).Clear(); // zero rows up to the fixed batch
            for (var k = 0; k < outputs.Length; k++)
                destinations[k] = padded
                    ? new float[batch * widths[k]] // (batch, width_k), the first rows kept below
                    : representations[k].AsMemory(start * widths[k], rows * widths[k]); // (rows, width_k)
            try
            {
                runner.RunInto(input.AsMemory(0, runRows * width), runRows, outputs, destinations);
                if (padded)
                    for (var k = 0; k < outputs.Length; k++)
                        destinations[k][..(rows * widths[k])].CopyTo(representations[k].AsMemory(start * widths[k], rows * widths[k]));
            }
            catch (OnnxRuntimeException e)
            {
                Throw.WorkFailed($"{runner.ModelPath}: ONNX Runtime failed on images {start}..{start + rows - 1} of the batch pass: {e.Message}", e);
            }
        }
    }

    /// <summary>Opens a checkpoint and checks that its input width and outputs fit the request.</summary>
    private static OnnxModelRunner Open(string path, BulkExtractRequest request, string[] outputs)
    {
        var runner = new OnnxModelRunner(path, request.Inference);
        try
        {
            if (runner.InputShapeTail.Any(d => d <= 0))
                Throw.BadInput($"{path}: the input {runner.InputName} has shape [batch, {string.Join(", ", runner.InputShapeTail)}] with a symbolic dimension, expected fixed sizes after the batch dimension");
            if (runner.InputBatch > 0 && (!request.FixedBatch || request.BatchSize != runner.InputBatch))
                Throw.BadInput($"{path}: the model's input has a fixed batch of {runner.InputBatch} rows, the extraction uses batches of {request.BatchSize}" +
                    (request.FixedBatch ? "" : " of varying size") + $"; expected batch size {runner.InputBatch} with fixed batches (the last one padded)");
            if (runner.InputWidth != request.InputWidth)
                Throw.BadInput($"{path}: checkpoint expects input width {runner.InputWidth}, data has {request.InputWidth} values per image");
            var missing = outputs.Where(o => !runner.OutputNames.Contains(o)).ToArray();
            if (missing.Length > 0)
            {
                var layers = request.Layers;
                var described = missing.Select(m => Array.IndexOf(outputs, m) is var k && k < layers.Count ? $"{m} (layer {layers[k]})" : $"{m} (the prediction)");
                Throw.BadInput($"{path}: no graph output {string.Join(", ", described)}; the graph's outputs are {string.Join(", ", runner.OutputNames)}");
            }
            foreach (var o in outputs)
                if (runner.OutputWidth(o) < 1)
                    Throw.BadInput($"{path}: output {o} has a symbolic or empty shape after the batch dimension, expected fixed sizes");
            var predictionWidth = runner.OutputWidth(request.PredictionOutput);
            if (predictionWidth != request.TargetWidth)
                Throw.BadInput($"{path}: output {request.PredictionOutput} has width {predictionWidth}, the targets have {request.TargetWidth}");
            return runner;
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    private static ReadOnlySpan<float> Target(BulkExtractRequest request, int index) =>
        request.Targets.AsSpan(index * request.TargetWidth, request.TargetWidth);

    private static void Validate(BulkExtractRequest r)
    {
        if (r.Checkpoints.Count == 0) Throw.BadValue("checkpoints", "none", "at least one ONNX checkpoint");
        foreach (var (epoch, path) in r.Checkpoints)
            if (!File.Exists(path)) Throw.BadInput($"{path}: checkpoint of epoch {epoch} not found");
        if (string.IsNullOrWhiteSpace(r.OutputParquet)) Throw.BadValue("output", "an empty path", "the path of the pairs table");
        if (r.InputWidth < 1) Throw.BadValue("input width", r.InputWidth.ToString(), "≥ 1");
        if (r.TargetWidth < 1) Throw.BadValue("target width", r.TargetWidth.ToString(), "≥ 1");
        if (r.BatchSize < 1) Throw.BadValue("batch size", r.BatchSize.ToString(), "≥ 1");
        var n = r.Labels.Length;
        if (r.Images.LongLength != (long)n * r.InputWidth)
            Throw.BadValue("images", $"{r.Images.Length} values", $"{n} images × {r.InputWidth} = {(long)n * r.InputWidth} (one row per label)");
        if (r.Targets.LongLength != (long)n * r.TargetWidth)
            Throw.BadValue("targets", $"{r.Targets.Length} values", $"{n} rows × {r.TargetWidth} = {(long)n * r.TargetWidth} (one row per label)");
        if (r.Pairs.Length == 0) Throw.BadValue("pairs", "none", "at least one pair");
        for (var p = 0; p < r.Pairs.Length; p++)
        {
            var (a, b) = r.Pairs[p];
            if ((uint)a >= (uint)n || (uint)b >= (uint)n)
                Throw.BadInput($"pairs[{p}]: ({a}, {b}) is out of range, expected image indices 0..{n - 1} (the data set has {n} images)");
        }
        if (r.Layers.Count == 0) Throw.BadValue("layers", "none", "at least one hidden layer");
        if (r.Workers < 1) Throw.BadValue("workers", r.Workers.ToString(), "≥ 1 (concurrent ONNX Runtime sessions)");
        if (r.ProbeEvery < 1) Throw.BadValue("probe every", r.ProbeEvery.ToString(), "≥ 1 (1 = every checkpoint)");
        if (r.LayerOutputs is not null && r.LayerOutputs.Count != r.Layers.Count)
            Throw.BadValue("layer outputs", $"{r.LayerOutputs.Count} names", $"one per layer ({r.Layers.Count})");
    }

    /// <summary>The distinct images of the pairs and each pair's positions among them.</summary>
    private sealed class PairPlan
    {
        private readonly BulkExtractRequest request;

        public PairPlan(BulkExtractRequest request)
        {
            this.request = request;
            var position = new Dictionary<int, int>();
            foreach (var (a, b) in request.Pairs)
            {
                position.TryAdd(a, 0);
                position.TryAdd(b, 0);
            }
            Images = position.Keys.Order().ToArray();
            for (var i = 0; i < Images.Length; i++) position[Images[i]] = i;
            PositionA = request.Pairs.Select(p => position[p.A]).ToArray();
            PositionB = request.Pairs.Select(p => position[p.B]).ToArray();
            ImageLabels = Images.Select(i => request.Labels[i]).ToArray();
        }

        /// <summary>Distinct data indices, ascending (buffer row r = image Images[r]).</summary>
        public int[] Images { get; }

        /// <summary>Buffer row of each pair's a.</summary>
        public int[] PositionA { get; }

        /// <summary>Buffer row of each pair's b.</summary>
        public int[] PositionB { get; }

        /// <summary>Labels of <see cref="Images"/>.</summary>
        public int[] ImageLabels { get; }

        /// <summary>One row per (layer, pair), layer-major, with everything but epoch and the metrics filled in.</summary>
        public PairRow[] CreateRows(IReadOnlyList<int> layers)
        {
            var pairs = request.Pairs;
            var dx2 = new double[pairs.Length];
            var dy2 = new double[pairs.Length];
            for (var p = 0; p < pairs.Length; p++)
            {
                var (a, b) = pairs[p];
                dx2[p] = PairMetrics.SquaredDistance(Row(request.Images, a, request.InputWidth), Row(request.Images, b, request.InputWidth));
                dy2[p] = PairMetrics.SquaredDistance(Row(request.Targets, a, request.TargetWidth), Row(request.Targets, b, request.TargetWidth));
            }
            var rows = new PairRow[layers.Count * pairs.Length];
            for (var l = 0; l < layers.Count; l++)
                for (var p = 0; p < pairs.Length; p++)
                {
                    var (a, b) = pairs[p];
                    rows[l * pairs.Length + p] = new PairRow
                    {
                        Layer = layers[l], Pair = p, A = a, B = b, LabelA = request.Labels[a], LabelB = request.Labels[b], Dx2 = dx2[p], Dy2 = dy2[p],
                    };
                }
            return rows;
        }

        private static ReadOnlySpan<float> Row(float[] data, int index, int width) => data.AsSpan(index * width, width);
    }
}
