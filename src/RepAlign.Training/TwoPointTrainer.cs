using System.Diagnostics;
using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training;

/// <summary>
/// Trains a network on the paper's two points with SGD or Adam on 0.5·MSE and records, before
/// every epoch's update (epochs 0 … E), the loss, ‖ȳ − ȳ*‖² and h2, y2, w of the pair at each
/// tracked layer — taken from the same forward pass the update uses when the batch is full.
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
        TorchRuntime.EnsureLoaded();
        var watch = Stopwatch.StartNew();
        var spec = request.Train;
        var data = new TwoPointData(request.Data);
        var epochs = spec.Epochs;
        var checkpointAt = new HashSet<int>(request.CheckpointEpochs);
        var tracked = request.TrackLayers.ToArray();

        torch.set_num_threads(spec.Threads);
        torch.manual_seed(spec.Seed);
        using var generator = new Generator((ulong)(uint)spec.Seed, CPU);
        using var network = NetworkFactory.Create(request.Model, data.InputDim, data.OutputDim, generator);
        using var x = tensor(data.X, [2, data.InputDim]); // (2, d_in)
        using var y = tensor(data.Y, [2, data.OutputDim]); // (2, d_out)
        using var optimizer = CreateOptimizer(spec, network);
        var recorder = new Recorder(data, tracked, epochs);
        var checkpoints = new List<CheckpointFile>();
        var fullBatch = spec.Batch is 0 or >= 2;

        for (var epoch = 0; epoch <= epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            network.train();
            Tensor loss;
            if (fullBatch)
            {
                var pass = network.Forward(x);
                loss = 0.5 * nn.functional.mse_loss(pass.Output, y);
                recorder.Record(epoch, pass, loss);
            }
            else
            {
                using (no_grad())
                {
                    var pass = network.Forward(x);
                    loss = 0.5 * nn.functional.mse_loss(pass.Output, y);
                    recorder.Record(epoch, pass, loss);
                }
            }

            if (!double.IsFinite(recorder.Loss[epoch]))
            {
                return recorder.Result(TrainStatus.Diverged, epoch, checkpoints, watch.Elapsed.TotalSeconds,
                    $"training diverged at epoch {epoch}: the loss is {recorder.Loss[epoch]} (optimiser {spec.Optimizer}, lr {spec.Lr:R}); try a smaller learning rate");
            }

            if (checkpointAt.Contains(epoch))
            {
                var path = Path.GetFullPath(Path.Combine(request.CheckpointDirectory, OnnxExporter.FileName(epoch)));
                OnnxExporter.Write(network, new CheckpointInfo(request.Model, request.Data, spec, epoch), path);
                checkpoints.Add(new CheckpointFile(epoch, path));
            }

            if (epoch == epochs) break;
            if (fullBatch)
            {
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            else
            {
                MiniBatchEpoch(network, optimizer, x, y, spec.Batch, generator);
            }
            progress?.Report(epoch + 1);
        }
        return recorder.Result(TrainStatus.Completed, -1, checkpoints, watch.Elapsed.TotalSeconds, "");
    }

    /// <summary>Checks the request; throws <see cref="BadInputException"/> naming the field.</summary>
    public static void Validate(TwoPointTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var t = request.Train;
        if (request.Data.Kind != "two_point") Throw.BadValue("data.kind", request.Data.Kind, "two_point");
        if (!(t.Lr > 0) || double.IsInfinity(t.Lr)) Throw.BadValue("train.lr", t.Lr.ToString("R"), "a finite number > 0");
        if (t.Epochs < 0) Throw.BadValue("train.epochs", t.Epochs.ToString(), "an integer ≥ 0");
        if (t.Batch < 0) Throw.BadValue("train.batch", t.Batch.ToString(), "0 (full batch) or a positive batch size");
        if (t.Threads < 1) Throw.BadValue("train.threads", t.Threads.ToString(), "an integer ≥ 1");
        foreach (var layer in request.TrackLayers)
            if (layer < 0 || layer >= request.Model.Depth)
                Throw.BadValue("track.layers", layer.ToString(), $"a hidden-layer index in [0, {request.Model.Depth - 1}]");
        foreach (var epoch in request.CheckpointEpochs)
            if (epoch < 0 || epoch > t.Epochs)
                Throw.BadValue("checkpoint epochs", epoch.ToString(), $"an epoch in [0, {t.Epochs}]");
        if (request.CheckpointEpochs.Count > 0 && string.IsNullOrWhiteSpace(request.CheckpointDirectory))
            Throw.BadValue("checkpoint directory", "an empty path", "a folder for the checkpoints");
    }

    private static optim.Optimizer CreateOptimizer(TrainSpec spec, RepNetwork network) => spec.Optimizer switch
    {
        OptimizerKind.Sgd => optim.SGD(network.parameters(), spec.Lr),
        OptimizerKind.Adam => optim.Adam(network.parameters(), spec.Lr),
        _ => Throw.BadInput<optim.Optimizer>($"train.optimizer: found {spec.Optimizer}, expected sgd or adam"),
    };

    private static void MiniBatchEpoch(RepNetwork network, optim.Optimizer optimizer, Tensor x, Tensor y, int batch, Generator generator)
    {
        var n = x.shape[0];
        var order = randperm(n, generator: generator); // (N)
        for (long start = 0; start < n; start += batch)
        {
            var index = order.narrow(0, start, Math.Min(batch, n - start)); // (b)
            var pass = network.Forward(x.index_select(0, index)); // (b, d_in) → (b, d_out)
            var loss = 0.5 * nn.functional.mse_loss(pass.Output, y.index_select(0, index));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
    }

    /// <summary>Per-epoch records; pulls only the tracked hidden rows and the output to the CPU, once per epoch.</summary>
    private sealed class Recorder(TwoPointData data, int[] layers, int epochs)
    {
        public double[] Loss { get; } = new double[epochs + 1];
        private readonly double[] ybar0 = new double[epochs + 1];
        private readonly List<OnlinePairRow> online = new((epochs + 1) * layers.Length);
        private int recorded;

        public void Record(int epoch, ForwardPass pass, Tensor loss)
        {
            Loss[epoch] = loss.item<float>();
            var parts = layers.Select(l => pass.Hidden[l]).Append(pass.Output).Select(t => t.detach()).ToArray();
            using var joined = cat(parts, 1); // (2, Σ P_l + d_out)
            var values = joined.data<float>().ToArray();
            var rowLength = values.Length / 2;
            var rowA = values.AsSpan(0, rowLength);
            var rowB = values.AsSpan(rowLength, rowLength);
            var outStart = rowLength - data.OutputDim;
            var predA = rowA[outStart..];
            var predB = rowB[outStart..];
            ybar0[epoch] = Ybar0(predA, predB, data.YRow(TwoPointData.A), data.YRow(TwoPointData.B));
            var offset = 0;
            foreach (var layer in layers)
            {
                var width = (int)pass.Hidden[layer].shape[1];
                var m = PairMetrics.Compute(rowA.Slice(offset, width), rowB.Slice(offset, width), predA, predB,
                    data.YRow(TwoPointData.A), data.YRow(TwoPointData.B));
                online.Add(new OnlinePairRow(epoch, layer, m.H2, m.Y2, m.W));
                offset += width;
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
