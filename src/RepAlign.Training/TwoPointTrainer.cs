using System.Diagnostics;
using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using RepAlign.Training.Loop;
using static TorchSharp.torch;

namespace RepAlign.Training;

/// <summary>
/// Trains a network on the paper's two points with SGD or Adam on 0.5·MSE and records, before
/// every epoch's update (epochs 0 … E), the loss, ‖ȳ − ȳ*‖² and h2, y2, w of the pair at each
/// tracked layer — taken from the same forward pass the update uses when the batch is full and the
/// network has no dropout, otherwise from an extra eval-mode pass. The update step, epoch and
/// checkpointing are <see cref="TrainingSession"/>'s, shared with <see cref="DatasetTrainer"/>.
/// </summary>
public static class TwoPointTrainer
{
    /// <summary>
    /// Runs the request. Throws <see cref="BadInputException"/> for an invalid request and
    /// <see cref="OperationCanceledException"/> when cancelled; divergence is a result status.
    /// </summary>
    public static TrainResult Run(TwoPointTrainRequest request, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        Validate(request);
        var watch = Stopwatch.StartNew();
        var spec = request.Train;
        var data = new TwoPointData(request.Data);
        var epochs = spec.Epochs;
        var checkpointAt = new HashSet<int>(request.CheckpointEpochs);

        using var session = new TrainingSession(request.Model, spec, data.InputDim, data.OutputDim);
        using var x = tensor(data.X, [2, data.InputDim]); // (2, d_in)
        using var y = tensor(data.Y, [2, data.OutputDim]); // (2, d_out)
        var recorder = new Recorder(data, request.TrackLayers, epochs);
        var checkpoints = new List<CheckpointFile>();
        var fullBatch = spec.Batch is 0 or >= 2;
        // Full batch without dropout: the records come from the forward pass the update uses.
        var fused = fullBatch && !session.Network.IsStochastic;

        for (var epoch = 0; epoch <= epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var pass = fused ? session.Network.Forward(x) : session.Probe(x); // (2, d_in) → hidden (2, P_k), output (2, d_out)
            var loss = TrainingSession.Loss(pass.Output, y);
            recorder.Record(epoch, pass, loss);

            if (!double.IsFinite(recorder.Loss[epoch]))
            {
                return recorder.Result(TrainStatus.Diverged, epoch, checkpoints, watch.Elapsed.TotalSeconds,
                    $"training diverged at epoch {epoch}: the loss is {recorder.Loss[epoch]} (optimiser {spec.Optimizer}, lr {spec.Lr:R}); try a smaller learning rate");
            }

            if (checkpointAt.Contains(epoch)) checkpoints.Add(session.Checkpoint(request.Data, epoch, request.CheckpointDirectory));

            if (epoch == epochs) break;
            if (fused) session.Update(loss);
            else session.Epoch(x, y, fullBatch ? 0 : spec.Batch, ct);
            progress?.Report(epoch + 1);
        }
        return recorder.Result(TrainStatus.Completed, -1, checkpoints, watch.Elapsed.TotalSeconds, "");
    }

    /// <summary>Checks the request; throws <see cref="BadInputException"/> naming the field.</summary>
    public static void Validate(TwoPointTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var t = request.Train;
        if (request.Data.Kind != DataKind.TwoPoint) Throw.BadValue("data.kind", request.Data.Kind.ToString(), "two_point");
        if (!(t.Lr > 0) || double.IsInfinity(t.Lr)) Throw.BadValue("train.lr", t.Lr.ToString("R"), "a finite number > 0");
        if (t.Epochs < 0) Throw.BadValue("train.epochs", t.Epochs.ToString(), "an integer ≥ 0");
        if (t.Batch < 0) Throw.BadValue("train.batch", t.Batch.ToString(), "0 (full batch) or a positive batch size");
        if (t.Threads < 1) Throw.BadValue("train.threads", t.Threads.ToString(), "an integer ≥ 1");
        if (!Enum.IsDefined(t.Optimizer)) Throw.BadValue("train.optimizer", t.Optimizer.ToString(), "sgd or adam");
        NetworkFactory.Validate(request.Model, request.Data.InputDim, request.Data.OutputDim);
        var hiddenCount = NetworkFactory.HiddenLayerCount(request.Model);
        foreach (var layer in request.TrackLayers)
            if (layer < 0 || layer >= hiddenCount)
                Throw.BadValue("track.layers", layer.ToString(), $"a hidden-layer index in [0, {hiddenCount - 1}] ({hiddenCount} hidden outputs for model.kind {request.Model.Kind} of model.depth {request.Model.Depth})");
        foreach (var epoch in request.CheckpointEpochs)
            if (epoch < 0 || epoch > t.Epochs)
                Throw.BadValue("checkpoint epochs", epoch.ToString(), $"an epoch in [0, {t.Epochs}]");
        if (request.CheckpointEpochs.Count > 0 && string.IsNullOrWhiteSpace(request.CheckpointDirectory))
            Throw.BadValue("checkpoint directory", "an empty path", "a folder for the checkpoints");
    }

    /// <summary>Per-epoch records; pulls only the tracked hidden rows and the output to the CPU, once per epoch.</summary>
    private sealed class Recorder(TwoPointData data, IReadOnlyList<int> layers, int epochs)
    {
        public double[] Loss { get; } = new double[epochs + 1];
        private readonly double[] ybar0 = new double[epochs + 1];
        private readonly List<OnlinePairRow> online = new((epochs + 1) * layers.Count);
        private readonly PairProbe probe = new([data.Pair], layers, data.Y, data.OutputDim);
        private readonly PairMetrics[] metrics = new PairMetrics[layers.Count];
        private readonly float[] predictions = new float[2 * data.OutputDim];
        private int recorded;

        public void Record(int epoch, ForwardPass pass, Tensor loss)
        {
            Loss[epoch] = loss.item<float>();
            probe.Measure(pass, metrics, predictions);
            var d = data.OutputDim;
            ybar0[epoch] = Ybar0(predictions.AsSpan(0, d), predictions.AsSpan(d, d), data.YRow(TwoPointData.A), data.YRow(TwoPointData.B));
            for (var i = 0; i < metrics.Length; i++) online.Add(new OnlinePairRow(epoch, probe.Layers[i], metrics[i].H2, metrics[i].Y2, metrics[i].W));
            recorded = epoch + 1;
        }

        public TrainResult Result(TrainStatus status, int divergedEpoch, List<CheckpointFile> checkpoints, double seconds, string message)
        {
            var kept = status == TrainStatus.Diverged ? divergedEpoch : recorded;
            return new TrainResult
            {
                Status = status,
                DivergedEpoch = divergedEpoch,
                Message = message,
                Loss = Loss[..kept],
                Ybar0 = ybar0[..kept],
                Online = online.Where(r => r.Epoch < kept).ToArray(),
                Checkpoints = checkpoints,
                Seconds = seconds,
            };
        }

        private static double Ybar0(ReadOnlySpan<float> predA, ReadOnlySpan<float> predB, ReadOnlySpan<float> targetA, ReadOnlySpan<float> targetB)
        {
            var sum = 0.0;
            for (var i = 0; i < predA.Length; i++)
            {
                var d = 0.5 * ((double)predA[i] + predB[i]) - 0.5 * ((double)targetA[i] + targetB[i]);
                sum += d * d;
            }
            return sum;
        }
    }
}
