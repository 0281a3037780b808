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
/// the checkpoint of e is taken (and written by a second thread while training goes on); the mean training
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

        using var session = new TrainingSession(request.Model, spec, request.InputDim, request.OutputDim, request.Step);
        using var x = tensor(request.X, [request.Count, request.InputDim]); // (N, d_in)
        using var y = tensor(request.Y, [request.Count, request.OutputDim]); // (N, d_out)
        var epochLoss = new List<double>(epochs);
        var checkpoints = new List<CheckpointFile>();
        var checkpointSeconds = 0.0;

        for (var epoch = 0; epoch <= epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
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
                session.CompleteCheckpoints();
                return new DatasetTrainResult
                {
                    Status = TrainStatus.Diverged,
                    DivergedEpoch = epoch,
                    Message = string.Create(CultureInfo.InvariantCulture,
                        $"training diverged in epoch {epoch}: a mini-batch loss is {loss} (optimiser {spec.Optimizer}, lr {spec.Lr:R}, batch {spec.Batch}); try a smaller learning rate"),
                    EpochLoss = epochLoss.ToArray(),
                    Checkpoints = checkpoints,
                    Seconds = watch.Elapsed.TotalSeconds,
                    CheckpointSeconds = checkpointSeconds,
                };
            }
            epochLoss.Add(loss);
            progress?.Report(epoch + 1);
        }
        session.CompleteCheckpoints();
        return new DatasetTrainResult
        {
            Status = TrainStatus.Completed,
            EpochLoss = epochLoss.ToArray(),
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
        TrainRequestChecks.Train(t);
        if (request.Count < 1) Throw.BadValue("data count", request.Count.ToString(inv), "at least one example");
        if (request.X.Length != (long)request.Count * request.InputDim)
            Throw.BadValue("data inputs", $"{request.X.Length} values", $"{request.Count} × {request.InputDim} = {(long)request.Count * request.InputDim}");
        if (request.Y.Length != (long)request.Count * request.OutputDim)
            Throw.BadValue("data targets", $"{request.Y.Length} values", $"{request.Count} × {request.OutputDim} = {(long)request.Count * request.OutputDim}");
        TrainRequestChecks.NetworkAndOutputs(request.Model, request.InputDim, request.OutputDim, t.Epochs, [],
            request.CheckpointEpochs, request.CheckpointDirectory);
    }
}
