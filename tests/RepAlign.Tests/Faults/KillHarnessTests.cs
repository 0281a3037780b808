using RepAlign.Core.Runs;
using Xunit.Abstractions;

namespace RepAlign.Tests.Faults;

/// <summary>
/// The kill harness: the real command line signalled at random moments, then resumed, every table, checkpoint and
/// run.json (minus times) compared with an uninterrupted run's (<see cref="TinyRuns.Tables"/>). SIGKILL leaves no
/// record, and the next <c>repalign runs</c> must show the stage as interrupted; SIGTERM must be recorded as the stage's
/// end (exit 143); a sharded run's tasks are killed or terminated too. Rounds in the suite: one of each (and one sweep);
/// <c>benchmarks/faults.sh</c> runs 20 of each (<c>REPALIGN_FAULT_KILLS</c>, <c>_TERMS</c>, <c>_SHARD_KILLS</c>,
/// <c>_SWEEP_KILLS</c>); <c>REPALIGN_FAULT_SEED</c> replays the moments of a printed seed.
/// </summary>
[Collection("processes")]
public class KillHarnessTests(KillReferences refs, ITestOutputHelper output) : IClassFixture<KillReferences>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);
    private static readonly string[] ShardTasks = ["extract:0", "extract:1", "fit:0", "fit:1", "merge"];

    private void Log(string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("REPALIGN_FAULT_LOG") is { Length: > 0 } log) File.AppendAllText(log, line + "\n");
    }

    private string[] Args(string folder, params string[] extra) => TinyRuns.RunArgs(KillReferences.MnistPipeline, folder, refs.MnistSettings, extra);

    /// <summary>A round's outcome line and whether everything held: same tables as the reference, no temporary file, no holder left.</summary>
    private (bool Same, string Text) Compare(IReadOnlyDictionary<string, string> reference, string folder, bool messages = true)
    {
        var difference = TinyRuns.Difference(reference, TinyRuns.Tables(folder, messages));
        var againstMnist = ReferenceEquals(reference, refs.MnistTables) || !messages; // else the sweep's
        if (againstMnist && difference.Split(", ").Contains("run.json"))
            difference += $" ({RunDigest.FirstDifference(refs.File("mnist-reference"), folder, messages)})";
        var leftovers = TinyRuns.TemporaryFiles(folder);
        var released = KillRound.Released(folder);
        var text = $"{(difference.Length == 0 ? "identical" : "DIFFERENT " + difference)}; {leftovers.Length} temporary files left{(released ? "" : "; LOCK NOT RELEASED")}";
        return (difference.Length == 0 && leftovers.Length == 0 && released, text);
    }

    [Fact]
    public async Task KilledAtRandomMomentsEachRunShowsItsStageInterruptedThenResumesToTheSameTables()
    {
        var random = KillReferences.Seeded(Log);
        var (rounds, sweeps) = (KillReferences.Rounds("REPALIGN_FAULT_KILLS", 1), KillReferences.Rounds("REPALIGN_FAULT_SWEEP_KILLS", 1));
        var first = random.Next(KillReferences.StageNames.Length); // then each stage in turn
        int good = 0, shown = 0, idle = 0, hits = 0;
        var bad = new List<string>();
        for (var k = 0; k < rounds; k++)
        {
            var stage = KillReferences.StageNames[(first + k) % KillReferences.StageNames.Length];
            var (hit, folder) = await KillRound.Landing(f => Args(f), refs.File($"kill-{k}"), stage, TimeSpan.FromSeconds(random.NextDouble() * refs.StageSeconds[stage]), "KILL", Limit);
            // What the killed process left marked running (nothing when the kill fell between two stages or after the last).
            var running = File.Exists(Path.Combine(folder, "run.json"))
                ? RunManifest.Read(Path.Combine(folder, "run.json")).Stages.Where(s => s.Value.State == StageState.Running).Select(s => s.Key).Order(StringComparer.Ordinal).ToArray()
                : [];
            var interrupted = await KillRound.ShownInterrupted(folder);
            var resumed = await TinyRuns.RunAsync(Args(folder));
            Assert.True(resumed.Code == 0, $"resume after kill {k} ({hit.Where}): {resumed.Err}{resumed.Out}");
            var (same, text) = Compare(refs.MnistTables, folder);
            var told = interrupted.All(s => resumed.Out.Contains($"✗ {s}", StringComparison.Ordinal) && resumed.Out.Contains("interrupted: ", StringComparison.Ordinal));
            var ok = same && told && (!hit.Hit || running.Length <= 1 && interrupted.Order(StringComparer.Ordinal).SequenceEqual(running));
            (hits, shown, idle) = (hits + (hit.Hit ? 1 : 0), shown + (hit.Hit && interrupted.Length == 1 ? 1 : 0), idle + (hit.Hit && running.Length == 0 ? 1 : 0));
            var line = $"kill {k}: {hit.Where}: runs shows [{string.Join(", ", interrupted.Select(s => s + ":interrupted"))}]" +
                       $"{(hit.Hit && running.Length == 0 ? " (no stage was running)" : "")}; resumed: {text}";
            if (ok) good++;
            else bad.Add($"{line}; run.json left running: [{string.Join(", ", running)}]");
            Log(line);
        }
        var sweep = sweeps > 0 ? await refs.Sweep() : default;
        for (var k = 0; k < sweeps; k++)
        {
            var (hit, folder) = await KillRound.Landing(f => TinyRuns.RunArgs(refs.SweepFile, f, []), refs.File($"sweep-kill-{k}"), null,
                TimeSpan.FromSeconds(random.NextDouble() * sweep.Seconds), "KILL", Limit);
            var resumed = await TinyRuns.RunAsync(TinyRuns.RunArgs(refs.SweepFile, folder, []));
            Assert.True(resumed.Code == 0, $"resume after sweep kill {k} ({hit.Where}): {resumed.Err}{resumed.Out}");
            var (same, text) = Compare(sweep.Tables, folder);
            var line = $"sweep kill {k}: {hit.Where}: resumed: {text}";
            if (same) good++;
            else bad.Add(line);
            Log(line);
        }
        Log($"SIGKILL: {shown}/{hits} runs killed mid-run showed exactly one stage interrupted{(idle > 0 ? $" ({idle} more were killed while no stage ran, and showed none)" : "")}; " +
            $"{good}/{rounds + sweeps} resumed identical (reference: MNIST run {refs.MnistSeconds:F1} s{(sweeps > 0 ? $", sweep {sweep.Seconds:F1} s" : "")})");
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Fact]
    public async Task TerminatedAtRandomMomentsEachRunRecordsItsStageThenResumesToTheSameTables()
    {
        var random = KillReferences.Seeded(Log);
        var rounds = KillReferences.Rounds("REPALIGN_FAULT_TERMS", 1);
        var first = random.Next(KillReferences.StageNames.Length);
        int good = 0, recorded = 0, between = 0, hits = 0;
        var bad = new List<string>();
        for (var k = 0; k < rounds; k++)
        {
            var stage = KillReferences.StageNames[(first + k) % KillReferences.StageNames.Length];
            var (hit, folder) = await KillRound.Landing(f => Args(f), refs.File($"term-{k}"), stage, TimeSpan.FromSeconds(random.NextDouble() * refs.StageSeconds[stage]), "TERM", Limit);
            var stages = RunManifest.Read(Path.Combine(folder, "run.json")).Stages;
            var failed = stages.Where(s => s.Value.State == StageState.Failed).Select(s => (s.Key, s.Value.Message)).ToArray();
            var asked = Termination.Reason(System.Runtime.InteropServices.PosixSignal.SIGTERM);
            var told = hit.Code == 143 && hit.Err.Contains("error: " + asked, StringComparison.Ordinal) && !stages.Values.Any(s => s.State == StageState.Running);
            var wrote = told && failed.Length == 1 && failed[0].Message == asked;
            // Between two stages, or after the last one while the process ends, no stage runs: exit 143 and nothing to mark,
            // or (the command already finished: Termination.Finished) exit 0 with every stage done.
            var idle = told && failed.Length == 0 || hit.Code == 0 && failed.Length == 0 && stages.Values.All(s => s.State == StageState.Done);
            var clean = TinyRuns.TemporaryFiles(folder).Length == 0 && KillRound.Released(folder); // before the resume cleans anything
            var resumed = await TinyRuns.RunAsync(Args(folder));
            Assert.True(resumed.Code == 0, $"resume after SIGTERM {k} ({hit.Where}): {resumed.Err}{resumed.Out}");
            var (same, text) = Compare(refs.MnistTables, folder);
            (hits, recorded, between) = (hits + (hit.Hit ? 1 : 0), recorded + (hit.Hit && wrote && clean ? 1 : 0), between + (hit.Hit && idle && clean ? 1 : 0));
            var line = $"term {k}: {hit.Where}: exit {hit.Code}, run.json: [{string.Join(", ", failed.Select(f => $"{f.Key}: {f.Message}"))}]{(hit.Hit && idle ? " (no stage was running)" : "")}, " +
                       $"{(clean ? "no temporary file, lock released" : "LEFT TEMPORARY FILES OR THE LOCK")}; resumed: {text}";
            if (same && (!hit.Hit || (wrote || idle) && clean)) good++;
            else bad.Add($"{line}; standard error: {hit.Err.Trim()}");
            Log(line);
        }
        Log($"SIGTERM: {recorded}/{hits} runs terminated mid-run recorded the stage as terminated with exit 143, left no temporary file and released the lock" +
            $"{(between > 0 ? $" ({between} more were hit while no stage ran)" : "")}; {good}/{rounds} resumed identical");
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Fact]
    public async Task ASingleRunsShardTasksKilledOrTerminatedResumeToTheSameTables()
    {
        var random = KillReferences.Seeded(Log);
        var rounds = KillReferences.Rounds("REPALIGN_FAULT_SHARD_KILLS", 1);
        var trained = refs.File("shard-trained");
        var train = await TinyRuns.RunAsync(Args(trained, "--to", "train"));
        Assert.True(train.Code == 0, train.Err + train.Out);
        var reference = TinyRuns.Tables(refs.File("mnist-reference"), messages: false); // merged stages say "merged from 2 shards"
        var seconds = refs.StageSeconds;
        double Estimate(string task) => 3 + (task.StartsWith("extract", StringComparison.Ordinal) ? seconds["extract"] / 2
            : task.StartsWith("fit", StringComparison.Ordinal) ? seconds["fit"] / 2 : seconds["analyze"] + seconds["report"] + 2);
        var good = 0;
        for (var k = 0; k < rounds; k++)
        {
            var folder = refs.File($"shard-kill-{k}");
            KillReferences.CopyFolder(trained, folder);
            var target = random.Next(ShardTasks.Length);
            var signal = k % 2 == 0 ? "KILL" : "TERM";
            string[] Task(string task) => Args(folder, "--shards", "2", "--task", task);
            for (var i = 0; i < target; i++) Assert.Equal(0, (await TinyRuns.RunAsync(Task(ShardTasks[i]))).Code);
            var hit = await KillRound.At(Task(ShardTasks[target]), folder, null, TimeSpan.FromSeconds(random.NextDouble() * Estimate(ShardTasks[target])), signal, Limit);
            var terminated = signal != "TERM" || !hit.Hit || hit.Code == 143;
            var clean = TinyRuns.TemporaryFiles(folder).Length == 0 || signal == "KILL";
            for (var i = target; i < ShardTasks.Length; i++)
            {
                var rerun = await TinyRuns.RunAsync(Task(ShardTasks[i]));
                Assert.True(rerun.Code == 0, $"{ShardTasks[i]} after {hit.Where} on {ShardTasks[target]}: {rerun.Err}{rerun.Out}");
            }
            var (same, text) = Compare(reference, folder, messages: false);
            good += same && terminated && clean ? 1 : 0;
            Log($"shard kill {k}: task {ShardTasks[target]} at {hit.Where}: exit {hit.Code}{(clean ? "" : ", TEMPORARY FILES LEFT")}; " +
                $"rerun and merged: {text}");
        }
        Log($"sharded tasks: {good}/{rounds} merged identical to the uninterrupted local run");
        Assert.Equal(rounds, good);
    }
}
