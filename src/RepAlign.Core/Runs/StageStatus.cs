namespace RepAlign.Core.Runs;

/// <summary>
/// The state a stage record shows to a reader (<c>repalign runs</c>, a resuming run): a record still saying
/// <see cref="StageState.Running"/> reads as <see cref="StageState.Interrupted"/> once its holder is gone: on this host,
/// its pid no longer runs with its start time (or the machine rebooted); elsewhere, nobody holds the run folder's lock.
/// </summary>
public static class StageStatus
{
    /// <summary>The state of <paramref name="record"/> in the run folder <paramref name="runFolder"/>.</summary>
    public static StageState Of(StageRecord record, string runFolder)
    {
        if (record.State != StageState.Running) return record.State;
        var alive = record.Holder?.IsAlive() ?? (RunLock.Holder(runFolder) is not null);
        return alive ? StageState.Running : StageState.Interrupted;
    }

    /// <summary>
    /// <paramref name="record"/>, a running one with a holder gone, as an <see cref="StageState.Interrupted"/> record
    /// whose message says who it was; null when it is not such a record. Call it while holding the run folder's lock:
    /// then every running record is left by a process that is gone.
    /// </summary>
    public static StageRecord? AsInterrupted(StageRecord record)
    {
        if (record.State != StageState.Running) return null;
        var who = record.Holder is { } h ? $"{h} " : "its process ";
        return record with
        {
            State = StageState.Interrupted,
            Message = $"interrupted: {who}ended without recording how (killed with SIGKILL, crashed, or its node was lost); it runs again",
        };
    }
}
