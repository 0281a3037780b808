using RepAlign.Core.Runs;

namespace RepAlign.Pipelines.Runner;

/// <summary>
/// How a run reads the hashes that decide whether a stage is up to date: through the content-hash cache
/// (<see cref="ContentHashes"/>) and run.json's recorded output hashes, or, with <c>--rehash</c>
/// (<see cref="RunRequest.Rehash"/>), from the files' bytes, trusting neither.
/// </summary>
public static class StageHashes
{
    /// <summary>The content hash of an input file (<see cref="ContentHashes.Absent"/> for a missing one).</summary>
    public static string Of(string path, bool rehash) => rehash ? ContentHashes.Rehash(path) : ContentHashes.Of(path);

    /// <summary>
    /// Marks every stage that run.json still shows running as <see cref="StageState.Interrupted"/> and tells the
    /// observer; call it with the manifest read under the run folder's lock, where such a record's process is gone.
    /// </summary>
    public static void RecordInterrupted(RunManifest manifest, IRunObserver observer)
    {
        foreach (var (name, record) in manifest.Stages.ToArray())
        {
            if (StageStatus.AsInterrupted(record) is not { } interrupted) continue;
            manifest.Stages[name] = interrupted;
            observer.StageFinished(name, interrupted);
        }
    }
}
