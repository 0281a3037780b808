using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Runner;
using RepAlign.Training;

namespace RepAlign.Pipelines.Stages;

/// <summary>Trains the network, tracks the pair metrics online every epoch and exports the scheduled ONNX checkpoints.</summary>
public sealed class TrainStage : IStage
{
    /// <inheritdoc />
    public string Name => "train";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = [];

    /// <inheritdoc />
    public object Parameters(Core.Specs.ExperimentSpec spec) => new { spec.Data, spec.Model, spec.Train, spec.Checkpoints, spec.Track };

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        Directory.CreateDirectory(layout.Checkpoints);
        foreach (var stale in Directory.EnumerateFiles(layout.Checkpoints, "epoch-*.onnx")) File.Delete(stale);

        var request = new TwoPointTrainRequest
        {
            Model = spec.Model,
            Train = spec.Train,
            Data = spec.Data,
            TrackLayers = spec.Track.Resolve(spec.Model.Depth),
            CheckpointEpochs = spec.Checkpoints.Epochs(spec.Train.Epochs),
            CheckpointDirectory = layout.Checkpoints,
        };
        var progress = context.Observer.Progress("training", spec.Train.Epochs + 1);
        var result = TwoPointTrainer.Run(request, new Progress(progress), context.Cancellation);
        if (result.Status != TrainStatus.Completed) Throw.WorkFailed(result.Message);

        var rows = result.Online.Select(o => new MetricRow
        {
            Epoch = o.Epoch, Layer = o.Layer, Pair = 0, H2 = o.H2, Y2 = o.Y2, W = o.W,
            Loss = result.Loss[o.Epoch], Ybar0 = result.Ybar0[o.Epoch],
        }).ToArray();
        TableFile.Write(rows, layout.Metrics, context.Csv);
        var entries = result.Checkpoints
            .Select(c => new CheckpointEntry(c.Epoch, Path.GetFileName(c.Path), Hashing.File(c.Path)))
            .ToArray();
        CheckpointIndex.Write(layout.CheckpointIndex, entries);

        var outputs = new List<string> { layout.Metrics, layout.CheckpointIndex };
        if (context.Csv) outputs.Add(Path.ChangeExtension(layout.Metrics, ".csv"));
        outputs.AddRange(result.Checkpoints.Select(c => c.Path));
        var msPerEpoch = 1000 * result.Seconds / (spec.Train.Epochs + 1);
        return new StageOutcome(outputs,
            $"{spec.Train.Epochs} epochs in {result.Seconds:F1} s ({msPerEpoch:F1} ms/epoch), loss {result.Loss[0]:G3} → {result.Loss[^1]:G3}, {entries.Length} checkpoints");
    }

    private sealed class Progress(IProgress<long> inner) : IProgress<int>
    {
        public void Report(int value) => inner.Report(value);
    }
}
