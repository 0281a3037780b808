using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Pipelines.Stages;

/// <summary>
/// What both train stages share: the name, the typed parameters and the declared inputs that make their cache key, and the
/// refusal to run in a build without a training core. Parameters and inputs live here, not in the training core, so a build
/// without one plans exactly as the full build does.
/// </summary>
public abstract class TrainStageBase(ITrainingCore? core) : IStage
{
    /// <inheritdoc />
    public string Name => "train";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = [];

    /// <inheritdoc />
    public object Parameters(ExperimentSpec spec) => new { spec.Data, spec.Model, spec.Train, spec.Checkpoints, spec.Track };

    /// <summary>The family's data files and, with <c>model.init</c>, the file of the initial weights: their contents are in the cache key.</summary>
    public IReadOnlyList<string> Inputs(ExperimentSpec spec, RunLayout layout) =>
        spec.Model.Init.Length == 0 ? DataFiles(spec) : [.. DataFiles(spec), spec.Model.Init];

    /// <summary>The files the family's data comes from (none where the points are generated from the spec).</summary>
    protected abstract IReadOnlyList<string> DataFiles(ExperimentSpec spec);

    /// <inheritdoc />
    public string? Unavailable => core is null
        ? "this repalign was built without the training core (the extraction bundle); train with the full repalign, then run here again: the trained stages are then up to date"
        : null;

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        if (core is null) Throw.BadInput($"{context.Layout.Root}: stage 'train' must run, but {Unavailable}");
        var layout = context.Layout;
        Directory.CreateDirectory(layout.Checkpoints);
        foreach (var stale in Directory.EnumerateFiles(layout.Checkpoints, "epoch-*.onnx")) File.Delete(stale);
        return Train(core, context);
    }

    /// <summary>Trains through the core.</summary>
    protected abstract StageOutcome Train(ITrainingCore core, StageContext context);
}

/// <summary>Trains a point-set network, tracks every pair online every epoch and exports the scheduled checkpoints.</summary>
/// <param name="core">The training core; null in a build without one.</param>
public sealed class PointSetTrainStage(ITrainingCore? core) : TrainStageBase(core)
{
    /// <inheritdoc />
    protected override IReadOnlyList<string> DataFiles(ExperimentSpec spec) => []; // generated from the spec, which is in the key


    /// <inheritdoc />
    protected override StageOutcome Train(ITrainingCore core, StageContext context) => core.TrainPointSet(context);
}

/// <summary>Trains a data-set network in mini-batches, records the loss per epoch and exports the scheduled checkpoints.</summary>
/// <param name="core">The training core; null in a build without one.</param>
public sealed class DatasetTrainStage(ITrainingCore? core) : TrainStageBase(core)
{
    /// <inheritdoc />
    protected override IReadOnlyList<string> DataFiles(ExperimentSpec spec) => MnistData.Files(spec.Data);


    /// <inheritdoc />
    protected override StageOutcome Train(ITrainingCore core, StageContext context) => core.TrainDataset(context);
}
