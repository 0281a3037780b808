using System.Diagnostics;
using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Metrics;
using RepAlign.Training.Loop;
using RepAlign.Training.Models;
using static TorchSharp.torch;

namespace RepAlign.Training;

/// <summary>
/// Trains a network on a data set held in memory (e.g. MNIST) with full- or mini-batch SGD or Adam on
/// train.loss (0.5·MSE by default), a seeded shuffle every epoch (train.shuffle). At the start of every epoch e = 0 … E (and after the last),
/// the tracked pairs are measured in eval mode and the checkpoint of e is written; the mean training
/// loss of each epoch is recorded. The update step, epoch and checkpointing are
/// <see cref="TrainingSession"/>'s, shared with <see cref="PointSetTrainer"/>.
/// </summary>
public static class DatasetTrainer
{
    /// <summary>
    /// Runs the request. Throws <see cref="BadInputException"/> for an invalid request and
    /// <see cref="OperationCanceledException"/> when cancelled; divergence is a result status.
    /// Reports the number of completed epochs to <paramref name="progress"/>.
    /// </summary>
    public static DatasetTrainResult Run(DatasetTrainRequest request, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        Validate(request);
        var watch = Stopwatch.StartNew();
        var spec = request.Train;
        var epochs = spec.Epochs;
        var checkpointAt = new HashSet<int>(request.CheckpointEpochs);

        using var session = new TrainingSession(request.Model, spec, request.InputDim, request.OutputDim);
        using var x = tensor(request.X, [request.Count, request.InputDim]); // (N, d_in)
        using var y = tensor(request.Y, [request.Count, request.OutputDim]); // (N, d_out)
        var probe = new PairProbe(request.TrackPairs.Select(p => (p.A, p.B)).ToArray(), request.TrackLayers, request.Y, request.OutputDim);
        using var probeRows = tensor(probe.Rows, ScalarType.Int64); // (R)
        using var probeX = x.index_select(0, probeRows); // (R, d_in)
        var metrics = new PairMetrics[probe.PairCount * probe.Layers.Length];
        var predictions = new float[probe.Rows.Length * request.OutputDim];
        var online = new List<DatasetPairRow>((epochs + 1) * metrics.Length);
        var epochLoss = new List<double>(epochs);
        var checkpoints = new List<CheckpointFile>();
        var checkpointSeconds = 0.0;

        for (var epoch = 0; epoch <= epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            if (probe.PairCount > 0)
            {
                using var scope = NewDisposeScope();
                probe.Measure(session.Probe(probeX), metrics, predictions);
                for (var p = 0; p < probe.PairCount; p++)
                {
                    var pair = request.TrackPairs[p];
                    for (var l = 0; l < probe.Layers.Length; l++)
                    {
                        var m = metrics[p * probe.Layers.Length + l];
                        online.Add(new DatasetPairRow(epoch, p, pair.A, pair.B, probe.Layers[l], m.H2, m.Y2, m.W));
                    }
                }
            }
            if (checkpointAt.Contains(epoch))
            {
                var started = watch.Elapsed.TotalSeconds;
                checkpoints.Add(session.Checkpoint(request.Data, epoch, request.CheckpointDirectory));
                checkpointSeconds += watch.Elapsed.TotalSeconds - started;
            }
            if (epoch == epochs) break;

            var loss = session.Epoch(x, y, spec.Batch, ct);
            if (!double.IsFinite(loss))
            {
                return new DatasetTrainResult
                {
                    Status = TrainStatus.Diverged,
                    DivergedEpoch = epoch,
                    Message = string.Create(CultureInfo.InvariantCulture,
                        $"training diverged in epoch {epoch}: a mini-batch loss is {loss} (optimiser {spec.Optimizer}, lr {spec.Lr:R}, batch {spec.Batch}); try a smaller learning rate"),
                    EpochLoss = epochLoss.ToArray(),
                    Online = online,
                    Checkpoints = checkpoints,
                    Seconds = watch.Elapsed.TotalSeconds,
                    CheckpointSeconds = checkpointSeconds,
                };
            }
            epochLoss.Add(loss);
            progress?.Report(epoch + 1);
        }
        return new DatasetTrainResult
        {
            Status = TrainStatus.Completed,
            EpochLoss = epochLoss.ToArray(),
            Online = online,
            Checkpoints = checkpoints,
            Seconds = watch.Elapsed.TotalSeconds,
            CheckpointSeconds = checkpointSeconds,
        };
    }

    /// <summary>Checks the request; throws <see cref="BadInputException"/> naming the field.</summary>
    public static void Validate(DatasetTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var inv = CultureInfo.InvariantCulture;
        var t = request.Train;
        if (!(t.Lr > 0) || double.IsInfinity(t.Lr)) Throw.BadValue("train.lr", t.Lr.ToString("R", inv), "a finite number > 0");
        if (t.Epochs < 0) Throw.BadValue("train.epochs", t.Epochs.ToString(inv), "an integer ≥ 0");
        if (t.Batch < 0) Throw.BadValue("train.batch", t.Batch.ToString(inv), "0 (full batch) or a positive batch size");
        if (t.Threads < 1) Throw.BadValue("train.threads", t.Threads.ToString(inv), "an integer ≥ 1");
        if (!Enum.IsDefined(t.Optimizer)) Throw.BadValue("train.optimizer", t.Optimizer.ToString(), "sgd or adam");
        if (request.Count < 1) Throw.BadValue("data count", request.Count.ToString(inv), "at least one example");
        NetworkFactory.Validate(request.Model, request.InputDim, request.OutputDim);
        if (request.X.Length != (long)request.Count * request.InputDim)
            Throw.BadValue("data inputs", $"{request.X.Length} values", $"{request.Count} × {request.InputDim} = {(long)request.Count * request.InputDim}");
        if (request.Y.Length != (long)request.Count * request.OutputDim)
            Throw.BadValue("data targets", $"{request.Y.Length} values", $"{request.Count} × {request.OutputDim} = {(long)request.Count * request.OutputDim}");
        var hiddenCount = NetworkFactory.HiddenLayerCount(request.Model);
        foreach (var layer in request.TrackLayers)
            if (layer < 0 || layer >= hiddenCount)
                Throw.BadValue("track.layers", layer.ToString(inv), $"a hidden-layer index in [0, {hiddenCount - 1}] ({hiddenCount} hidden outputs for model.kind {request.Model.Kind} of model.depth {request.Model.Depth})");
        if (request.TrackPairs.Count > 0 && request.TrackLayers.Count == 0)
            Throw.BadValue("track.layers", "no layers", "at least one hidden layer when pairs are tracked");
        for (var i = 0; i < request.TrackPairs.Count; i++)
        {
            var (a, b) = request.TrackPairs[i];
            if (a < 0 || a >= request.Count || b < 0 || b >= request.Count)
                Throw.BadValue($"track pair {i}", $"({a}, {b})", $"example indices in [0, {request.Count - 1}]");
        }
        foreach (var epoch in request.CheckpointEpochs)
            if (epoch < 0 || epoch > t.Epochs)
                Throw.BadValue("checkpoint epochs", epoch.ToString(inv), $"an epoch in [0, {t.Epochs}]");
        if (request.CheckpointEpochs.Count > 0 && string.IsNullOrWhiteSpace(request.CheckpointDirectory))
            Throw.BadValue("checkpoint directory", "an empty path", "a folder for the checkpoints");
    }
}
