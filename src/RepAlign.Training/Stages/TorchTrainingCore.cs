using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Reanalysis;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Training.Stages;

/// <summary>
/// The training core of the full build: the train stages' work on TorchSharp (<see cref="PointSetTrainer"/> and
/// <see cref="DatasetTrainer"/>), writing the training tables, the checkpoints and their index.
/// </summary>
public sealed class TorchTrainingCore : ITrainingCore
{
    /// <summary>The shared instance (it holds no state).</summary>
    public static TorchTrainingCore Instance { get; } = new();

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Versions { get; } = new Dictionary<string, string>
    {
        ["torchsharp"] = RuntimeVersions.Informational(typeof(TorchSharp.torch).Assembly),
    };

    /// <inheritdoc />
    public IWeightImporter WeightImporter { get; } = new PyTorch.PyTorchWeightImporter();

    /// <inheritdoc />
    public void UseThreads(int threads) => TrainingThreads.Use(threads);

    /// <inheritdoc />
    public StageOutcome TrainPointSet(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;

        var request = new PointSetTrainRequest
        {
            Model = spec.Model,
            Train = spec.Train,
            Data = spec.Data,
            TrackLayers = TrackedLayers.Of(spec),
            CheckpointEpochs = spec.Checkpoints.Epochs(spec.Train.Epochs),
            CheckpointDirectory = layout.Checkpoints,
        };
        var progress = context.Observer.Progress("training", spec.Train.Epochs + 1);
        var result = PointSetTrainer.Run(request, new Progress(progress), context.Cancellation);
        if (result.Status != TrainStatus.Completed) Throw.WorkFailed(result.Message);

        var rows = result.Online.Select(o => new MetricRow
        {
            Epoch = o.Epoch, Layer = o.Layer, Pair = o.Pair, H2 = o.H2, Y2 = o.Y2, W = o.W,
            Loss = result.Loss[o.Epoch], Ybar0 = o.Ybar0,
        }).ToArray();
        TableFile.Write(rows, layout.Metrics, context.Csv);
        var (outputs, hashes) = Checkpoints(layout, result.Checkpoints, layout.Metrics, context.Csv);
        var ran = result.Loss.Length - 1;
        var msPerEpoch = 1000 * result.Seconds / (ran + 1);
        var stopped = ran < spec.Train.Epochs ? $" (stopped: loss below train.stop_loss = {spec.Train.StopLoss:G3})" : "";
        return new StageOutcome(outputs,
            $"{ran} epochs{stopped} in {result.Seconds:F1} s ({msPerEpoch:F1} ms/epoch), loss {result.Loss[0]:G3} → {result.Loss[^1]:G3}, {result.Checkpoints.Count} checkpoints") { KnownHashes = hashes };
    }

    /// <inheritdoc />
    public StageOutcome TrainDataset(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        var data = MnistData.Load(spec.Data);
        var request = new DatasetTrainRequest
        {
            Model = spec.Model,
            Train = spec.Train,
            Data = spec.Data,
            X = data.Train.Images,
            Y = data.Train.OneHotTargets(),
            Count = data.Train.Count,
            InputDim = Core.Data.MnistDataset.PixelCount,
            OutputDim = Core.Data.MnistDataset.ClassCount,
            CheckpointEpochs = spec.Checkpoints.Epochs(spec.Train.Epochs),
            CheckpointDirectory = layout.Checkpoints,
        };
        var progress = context.Observer.Progress("training", spec.Train.Epochs);
        var result = DatasetTrainer.Run(request, new Progress(progress), context.Cancellation);
        if (result.Status != TrainStatus.Completed) Throw.WorkFailed(result.Message);
        var rows = result.EpochLoss.Select((loss, i) => new EpochRow { Epoch = i + 1, Loss = loss }).ToArray();
        TableFile.Write(rows, layout.Loss, context.Csv);
        var (outputs, hashes) = Checkpoints(layout, result.Checkpoints, layout.Loss, context.Csv);
        return new StageOutcome(outputs,
            $"{spec.Train.Epochs} epochs on {data.Train.Count} images in {result.Seconds:F1} s ({result.CheckpointSeconds:F1} s exporting), loss {rows[0].Loss:G3} → {rows[^1].Loss:G3}, {result.Checkpoints.Count} checkpoints")
        { KnownHashes = hashes };
    }

    /// <summary>Writes checkpoints/index.json; returns every output of the stage and the checkpoints' hashes (computed once).</summary>
    private static (List<string> Outputs, Dictionary<string, string> Hashes) Checkpoints(RunLayout layout,
        IReadOnlyList<CheckpointFile> checkpoints, string table, bool csv)
    {
        var hashes = checkpoints.ToDictionary(c => c.Path, c => Hashing.File(c.Path));
        var entries = checkpoints.Select(c => new CheckpointEntry(c.Epoch, Path.GetFileName(c.Path), hashes[c.Path])).ToArray();
        CheckpointIndex.Write(layout.CheckpointIndex, entries);
        var outputs = new List<string> { table, layout.CheckpointIndex };
        if (csv) outputs.Add(Path.ChangeExtension(table, ".csv"));
        outputs.AddRange(checkpoints.Select(c => c.Path));
        return (outputs, hashes);
    }

    private sealed class Progress(IProgress<long> inner) : IProgress<int>
    {
        public void Report(int value) => inner.Report(value);
    }
}
