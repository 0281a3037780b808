using System.Diagnostics;
using System.Globalization;
using RepAlign.Core.Runs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- main-job [warm-runs] [pipeline] [--set key=value]…</c>: what the run store's safety costs on the main job
/// (default <c>pipelines/mnist-pairs.toml</c>, as README's first command runs it). Each run is a process of its own, as a
/// <c>repalign run</c> is, that measures itself: a cold run into an empty folder (its wall time, and the number and
/// wall-clock time of its fsync calls: the durable commits), then warm runs of the finished folder, every stage up to
/// date (their wall time and the time spent in the content-hash cache: identity checks, the cache file, any hashing),
/// then warm runs with <c>--rehash</c> (every input and recorded output hashed from its bytes). Prints each run and the
/// medians. The content-hash cache file is the probe's own, so the first run starts cold.
/// </summary>
public static class MainJobProbe
{
    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        var settings = args.Where(a => a.StartsWith("--set=", StringComparison.Ordinal)).Select(a => a["--set=".Length..]).ToArray();
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var warm = ProbeArgs.Int(positional, 0, 5);
        var pipeline = Path.GetFullPath(positional.Length > 1 ? positional[1] : Path.Combine("pipelines", "mnist-pairs.toml"));
        using var scratch = ProbeArgs.Folder("main-job");
        var folder = Path.Combine(scratch.Path, "run");
        var cache = Path.Combine(scratch.Path, "content-hashes.tsv");
        Console.WriteLine($"{pipeline} {string.Join(' ', settings)}: {Environment.ProcessorCount} cores, {warm} warm runs each way");

        var cold = Child(pipeline, folder, cache, settings, rehash: false);
        Console.WriteLine($"cold: {cold.Line}");
        var warmRuns = Enumerable.Range(0, warm).Select(_ => Child(pipeline, folder, cache, settings, rehash: false)).ToArray();
        var rehashRuns = Enumerable.Range(0, warm).Select(_ => Child(pipeline, folder, cache, settings, rehash: true)).ToArray();
        foreach (var (r, i) in warmRuns.Select((r, i) => (r, i))) Console.WriteLine($"warm {i + 1}: {r.Line}");
        foreach (var (r, i) in rehashRuns.Select((r, i) => (r, i))) Console.WriteLine($"warm --rehash {i + 1}: {r.Line}");
        if (warmRuns.Any(r => r.Ran > 0)) return Fail("a warm run ran a stage: the folder was not up to date");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cold run: {cold.Seconds:F1} s, of which fsync {cold.FsyncMs / 1000:F2} s in {cold.FsyncCalls} calls ({100 * cold.FsyncMs / 1000 / cold.Seconds:F2} %)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warm run (median): {ProbeArgs.Median(warmRuns.Select(r => r.Seconds)):F2} s, of which hashing {ProbeArgs.Median(warmRuns.Select(r => r.HashMs)):F2} ms " +
            $"({ProbeArgs.Median(warmRuns.Select(r => (double)r.Hashed)):F0} files read and hashed); with --rehash {ProbeArgs.Median(rehashRuns.Select(r => r.Seconds)):F2} s"));
        return 0;
    }

    /// <summary>In a child process (<c>-- main-job-child FOLDER CACHE PIPELINE REHASH [settings]</c>): one run, measured from inside.</summary>
    public static int RunChild(string[] args)
    {
        var (folder, pipeline, rehash) = (args[0], args[2], args[3] == "rehash");
        var clock = Stopwatch.StartNew();
        var observer = new Counting();
        var result = PipelineRunner.Run(new RunRequest { Pipeline = pipeline, Out = folder, Overrides = args[4..], Rehash = rehash }, RepAlign.FSharp.Stages.set, observer); // the command line's stages
        var seconds = clock.Elapsed.TotalSeconds;
        if (!result.Succeeded) return Fail($"stage {result.FailedStage}: {result.Message}");
        var (calls, fsync) = FileSync.Statistics;
        var hashing = ContentHashes.Shared;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{seconds:F3} {hashing.TimeSpent.TotalMilliseconds:F3} {hashing.FilesHashed} {calls} {fsync.TotalMilliseconds:F1} {observer.Ran} {observer.Skipped}"));
        return 0;
    }

    private sealed record Measured(double Seconds, double HashMs, int Hashed, long FsyncCalls, double FsyncMs, int Ran, int Skipped)
    {
        public string Line => string.Create(CultureInfo.InvariantCulture,
            $"{Seconds:F2} s; hashing {HashMs:F2} ms ({Hashed} files read); fsync {FsyncCalls} calls, {FsyncMs:F0} ms; {Ran} stages ran, {Skipped} up to date");
    }

    private static Measured Child(string pipeline, string folder, string cache, string[] settings, bool rehash)
    {
        var self = Environment.ProcessPath!;
        var dll = typeof(MainJobProbe).Assembly.Location;
        var start = new ProcessStartInfo(self, [.. Path.GetFileNameWithoutExtension(self) == "dotnet" ? new[] { dll } : [],
            "main-job-child", folder, cache, pipeline, rehash ? "rehash" : "cached", .. settings])
        { RedirectStandardOutput = true, WorkingDirectory = Environment.CurrentDirectory };
        start.Environment["REPALIGN_HASH_CACHE"] = cache;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"main-job child exited {process.ExitCode}: {output}");
        var f = output.Trim().Split('\n')[^1].Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return new Measured(f[0], f[1], (int)f[2], (long)f[3], f[4], (int)f[5], (int)f[6]);
    }

    private static int Fail(string what)
    {
        Console.Error.WriteLine($"main-job: {what}");
        return 1;
    }

    /// <summary>Counts stages run and skipped.</summary>
    private sealed class Counting : IRunObserver
    {
        public int Ran { get; private set; }
        public int Skipped { get; private set; }
        public void StageSkipped(string stage, string reason) => Skipped++;
        public void StageStarted(string stage) => Ran++;
        public void StageFinished(string stage, StageRecord record) { }
        public IProgress<long> Progress(string label, long total) => new Progress<long>();
    }
}
