using RepAlign.Pipelines.Reanalysis;

namespace RepAlign.Pipelines.Runner;

/// <summary>
/// The training core (TorchSharp and libtorch): trains the network of a run and writes its checkpoints and training tables.
/// The train stages take it as a parameter; a build without it (the extraction bundle) passes none, and then plans,
/// cache keys and every other stage stay the same while a train stage that must run stops with a clear message.
/// </summary>
public interface ITrainingCore
{
    /// <summary>Trains a point-set run: online tracking every epoch (train/metrics), the scheduled checkpoints and their index.</summary>
    StageOutcome TrainPointSet(StageContext context);

    /// <summary>Trains a data-set run: the per-epoch loss (train/loss), the scheduled checkpoints and their index.</summary>
    StageOutcome TrainDataset(StageContext context);

    /// <summary>Sets the process-wide number of intra-op threads every later training uses (before parallel trainings start).</summary>
    void UseThreads(int threads);

    /// <summary>Reads PyTorch weight files (state_dicts, safetensors, Lightning checkpoints) into networks of a model spec, for reanalysis.</summary>
    IWeightImporter WeightImporter { get; }

    /// <summary>The versions of the native libraries it runs on, for run.json (e.g. "torchsharp" → "0.107.0").</summary>
    IReadOnlyDictionary<string, string> Versions { get; }
}
