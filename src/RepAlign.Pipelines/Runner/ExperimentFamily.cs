using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Runner;

/// <summary>
/// The families of experiments, each with its own list of stages (<see cref="StageGraph"/>). Point sets (two points, XOR,
/// context blobs, and the grids and sweeps built on them) track a handful of pairs online every epoch; data sets (MNIST
/// pairs) extract thousands of pairs from the checkpoints in bulk; a reanalysis extracts pairs from checkpoints it did not
/// train.
/// </summary>
public enum ExperimentFamily
{
    /// <summary>train → check → fit → report (docs/design.md "Families").</summary>
    PointSet,

    /// <summary>train → extract → fit → analyze → report.</summary>
    Dataset,

    /// <summary>extract (foreign checkpoints) → fit → analyze → report.</summary>
    Reanalysis,
}

/// <summary>The one place a spec's family is decided.</summary>
public static class Families
{
    /// <summary>The family of a pipeline's spec: data sets for MNIST, point sets for every other kind of data.</summary>
    public static ExperimentFamily Of(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Data.Kind == DataKind.Mnist ? ExperimentFamily.Dataset : ExperimentFamily.PointSet;
    }
}
