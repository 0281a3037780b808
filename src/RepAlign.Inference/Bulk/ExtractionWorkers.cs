using RepAlign.Core;
using RepAlign.Inference.Graphs;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// The session of a bulk extraction, shared by its workers (each runs its share of the images through its own binding, at
/// once: ONNX Runtime runs one session from several threads), and the checkpoint it holds (<see cref="ExecutionPlan"/>
/// decides how): either a fresh session per checkpoint, or one weight-swap session kept for every checkpoint of one graph
/// (<see cref="CheckpointWeights.GraphKey"/>), with each checkpoint's weights read once and bound to every worker.
/// A checkpoint whose graph differs (e.g. an exporter's deduplicated first epoch) gets a new session, used from then on.
/// </summary>
internal sealed class ExtractionWorkers : IDisposable
{
    private readonly BulkExtractRequest request;
    private readonly string[] outputs;
    private readonly int images;
    private OnnxModelRunner? model;
    private BatchRunner[] runners = [];
    private CheckpointWeights? weights;
    private string? graphKey;

    /// <summary>Workers for <paramref name="request"/>'s <paramref name="outputs"/> over <paramref name="images"/> distinct images; nothing is opened yet.</summary>
    public ExtractionWorkers(BulkExtractRequest request, string[] outputs, int images)
    {
        this.request = request;
        this.outputs = outputs;
        this.images = images;
        Plan = ExecutionPlan.For(request, images);
    }

    /// <summary>The plan (its CUDA batch is sized when the first checkpoint is open).</summary>
    public ExecutionPlan Plan { get; private set; }

    /// <summary>One batch runner per worker, holding the current checkpoint.</summary>
    public IReadOnlyList<BatchRunner> Runners => runners;

    /// <summary>Sessions opened so far (one per graph when reused, one per checkpoint otherwise).</summary>
    public int SessionsOpened { get; private set; }

    /// <summary>Output widths of the current checkpoint, in the order of the outputs.</summary>
    public int[] Widths => outputs.Select(model!.OutputWidth).ToArray();

    /// <summary>The plan and staging in words.</summary>
    public string Describe() => Plan.Describe(request.Inference, runners.Length > 0 ? runners[0].Staging : "host staging") + $", {SessionsOpened} session{(SessionsOpened == 1 ? "" : "s")} opened";

    /// <summary>Makes every worker run checkpoint <paramref name="path"/>.</summary>
    public void Load(string path)
    {
        if (!Plan.ReuseSessions)
        {
            Open(() => new OnnxModelRunner(path, request.Inference), path);
            return;
        }
        var next = CheckpointWeights.Load(path);
        try
        {
            if (next.GraphKey != graphKey)
            {
                var (template, key) = CheckpointWeights.Template(path);
                Open(() => new OnnxModelRunner(path, template, next.Names, request.Inference), path);
                graphKey = key;
            }
            foreach (var runner in runners) runner.BindWeights(next);
        }
        catch
        {
            next.Dispose();
            throw;
        }
        weights?.Dispose(); // the previous checkpoint's weights, now bound nowhere
        weights = next;
    }

    /// <summary>Releases the batch runners before the sessions their pinned buffers come from.</summary>
    public void Dispose()
    {
        foreach (var runner in runners) runner.Dispose();
        model?.Dispose();
        weights?.Dispose();
    }

    private void Open(Func<OnnxModelRunner> open, string path)
    {
        var opened = open();
        SessionsOpened++;
        try
        {
            Check(opened, path);
            if (runners.Length == 0)
            {
                Plan = Plan.SizedFor(opened.InputWidth + outputs.Sum(o => (long)opened.OutputWidth(o)),
                    () => CudaMemory.FreeBytes(request.Inference.CudaDeviceId), images);
                runners = Enumerable.Range(0, Plan.Workers).Select(_ => new BatchRunner(Plan.BatchSize, outputs, Plan.StageOutputs)).ToArray();
            }
            foreach (var runner in runners) runner.Attach(opened); // frees the previous session's pinned buffers while it is still open
        }
        catch
        {
            opened.Dispose();
            throw;
        }
        model?.Dispose();
        model = opened;
    }

    /// <summary>Checks that a checkpoint's input width and outputs fit the request.</summary>
    private void Check(OnnxModelRunner runner, string path)
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
    }
}
