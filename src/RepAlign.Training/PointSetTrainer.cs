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
/// Trains a network on a small point set (the paper's two points, XOR, context blobs) with SGD or
/// Adam on 0.5·MSE or MSE (train.loss) and records, before every epoch's update (epochs 0 … E, or until the loss falls
/// below train.stop_loss), the loss and, for every tracked pair at each tracked layer, h2, y2, w and
/// ‖ȳ − ȳ*‖² — taken from the same forward pass the update uses when the batch is full and the
/// network has no dropout, otherwise from an extra eval-mode pass. The update step, epoch and
/// checkpointing are <see cref="TrainingSession"/>'s, shared with <see cref="DatasetTrainer"/>.
/// </summary>
public static class PointSetTrainer
{
    /// <summary>
    /// Runs the request. Throws <see cref="BadInputException"/> for an invalid request and
    /// <see cref="OperationCanceledException"/> when cancelled; divergence is a result status.
    /// </summary>
    public static TrainResult Run(PointSetTrainRequest request, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        var data = Validate(request);
        var watch = Stopwatch.StartNew();
        var spec = request.Train;
        var epochs = spec.Epochs;
        var checkpointAt = new HashSet<int>(request.CheckpointEpochs);

        using var session = new TrainingSession(request.Model, spec, data.InputDim, data.OutputDim, request.Step);
        using var x = tensor(data.X, [data.Count, data.InputDim]); // (n, d_in)
        using var y = tensor(data.Y, [data.Count, data.OutputDim]); // (n, d_out)
        var recorder = new Recorder(data, request.TrackLayers, epochs);
        var checkpoints = new List<CheckpointFile>();
        var fullBatch = spec.Batch == 0 || spec.Batch >= data.Count;
        // Full batch without dropout: the records come from the forward pass the update uses.
        var fused = fullBatch && !session.Network.IsStochastic;

        for (var epoch = 0; epoch <= epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var pass = fused ? session.TrainingForward(x) : session.Probe(x); // (n, d_in) → hidden (n, P_k), output (n, d_out)
            var loss = session.Loss(pass.Output, y);
            recorder.Record(epoch, pass, loss);

            if (!double.IsFinite(recorder.Loss[epoch]))
            {
                session.CompleteCheckpoints();
                return recorder.Result(TrainStatus.Diverged, epoch, checkpoints, watch.Elapsed.TotalSeconds,
                    $"training diverged at epoch {epoch}: the loss is {recorder.Loss[epoch]} (optimiser {spec.Optimizer}, lr {spec.Lr:R}); try a smaller learning rate");
            }

            // Reaching train.stop_loss ends the run here; the final checkpoint, if scheduled, moves to this epoch.
            var last = epoch == epochs || recorder.Loss[epoch] < spec.StopLoss;
            if (checkpointAt.Contains(epoch) || (last && checkpointAt.Contains(epochs)))
                checkpoints.Add(session.Checkpoint(request.Data, epoch, request.CheckpointDirectory));

            if (last)
            {
                if (epoch < epochs) progress?.Report(epochs); // stopped early: the bar completes
                break;
            }
            if (fused) session.Update(x, pass, y, loss);
            else session.Epoch(x, y, fullBatch ? 0 : spec.Batch, ct);
            progress?.Report(epoch + 1);
        }
        session.CompleteCheckpoints();
        return recorder.Result(TrainStatus.Completed, -1, checkpoints, watch.Elapsed.TotalSeconds, "");
    }

    /// <summary>Checks the request and returns its point set; throws <see cref="BadInputException"/> naming the field.</summary>
    public static PointSet Validate(PointSetTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var t = request.Train;
        if (!PointSet.IsPointSet(request.Data.Kind)) Throw.BadValue("data.kind", "mnist", "two_point, xor or context_blobs (MNIST trains with DatasetTrainer)");
        if (!(t.StopLoss >= 0) || double.IsInfinity(t.StopLoss)) Throw.BadValue("train.stop_loss", t.StopLoss.ToString("R"), "a finite number ≥ 0 (0 = off)");
        TrainRequestChecks.Train(t);
        var points = PointSet.Of(request.Data);
        TrainRequestChecks.NetworkAndOutputs(request.Model, points.InputDim, points.OutputDim, t.Epochs, request.TrackLayers,
            request.CheckpointEpochs, request.CheckpointDirectory);
        return points;
    }

    /// <summary>Per-epoch records; pulls only the tracked hidden rows and the output to the CPU, once per epoch.</summary>
    private sealed class Recorder(PointSet data, IReadOnlyList<int> layers, int epochs)
    {
        public double[] Loss { get; } = new double[epochs + 1];
        private readonly List<double> ybar0 = new((epochs + 1) * data.Pairs.Count);
        private readonly List<OnlinePairRow> online = new((epochs + 1) * layers.Count * data.Pairs.Count);
        private readonly PairProbe probe = new(data.Pairs, layers, data.Y, data.OutputDim, data.Count);
        private readonly PairMetrics[] metrics = new PairMetrics[layers.Count * data.Pairs.Count];
        private readonly float[] predictions = new float[data.Count * data.OutputDim];
        private int recorded;

        public void Record(int epoch, ForwardPass pass, Tensor loss)
        {
            Loss[epoch] = loss.item<float>();
            probe.Measure(pass, metrics, predictions);
            var d = data.OutputDim;
            var i = 0;
            for (var p = 0; p < data.Pairs.Count; p++)
            {
                var (a, b) = data.Pairs[p];
                ybar0.Add(Ybar0(predictions.AsSpan(a * d, d), predictions.AsSpan(b * d, d), data.YRow(a), data.YRow(b)));
                for (var l = 0; l < probe.Layers.Length; l++, i++)
                    online.Add(new OnlinePairRow(epoch, probe.Layers[l], p, metrics[i].H2, metrics[i].Y2, metrics[i].W, ybar0[^1]));
            }
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
