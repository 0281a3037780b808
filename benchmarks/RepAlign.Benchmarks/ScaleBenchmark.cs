using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Theory;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- scale [--sizes 450,4500,45000] [--epochs 50] [--work DIR] [--results FILE.md] [--reps N]</c>: the bulk MNIST
/// pipeline at several numbers of pairs. Trains pipelines/mnist-pairs.toml once (epochs as given), then per size copies
/// the trained run and runs extract → fit → analyze of <c>random:N</c> pairs (the shipped 9,000 training digits have
/// fewer than 1,000 per class, too few for per-class-pair:1000) in a child process under <c>/usr/bin/time</c>: wall time per stage
/// (run.json), fits/s of the fit stage and the child's peak RSS. Then the fit throughput in this process, on all cores,
/// of the slow reference algorithm (<see cref="FitOptions.Reference"/>, the in-run baseline) against the fast default,
/// on the smallest size's trajectories and on the committed 201-checkpoint MNIST table. Writes FILE.md and FILE.json
/// with the previous run's figures (the JSON found there before) beside the new ones.
/// </summary>
public static class ScaleBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        var root = TheoryBenchmarkData.RepoRoot();
        var sizes = Arg(args, "--sizes", "450,4500,45000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var epochs = int.Parse(Arg(args, "--epochs", "50"), CultureInfo.InvariantCulture);
        var reps = int.Parse(Arg(args, "--reps", "3"), CultureInfo.InvariantCulture);
        var work = Path.GetFullPath(Arg(args, "--work", Path.Combine(Path.GetTempPath(), "repalign-scale")));
        var results = Path.GetFullPath(Arg(args, "--results", Path.Combine(root, "benchmarks", "results", "scale-linux-x64.md")));
        var repalign = Path.Combine(root, "src", "RepAlign.Cli", "bin", "Release", "net10.0", "linux-x64", "repalign");
        if (!File.Exists(repalign))
        {
            Console.Error.WriteLine($"{repalign}: not found; build first (dotnet build RepAlign.sln -c Release)");
            return 2;
        }

        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        var baseRun = Path.Combine(work, $"base-{epochs}");
        if (!File.Exists(Path.Combine(baseRun, "train", "loss.parquet")))
            Execute(repalign, root, ["run", "pipelines/mnist-pairs.toml", "--set", $"train.epochs={epochs}", "--out", baseRun, "--to", "train"]);

        var rows = new List<JsonObject>();
        foreach (var pairs in sizes)
        {
            var dir = Path.Combine(work, $"pairs-{pairs}-epochs-{epochs}");
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            CopyDirectory(baseRun, dir);
            var (peakKb, wall) = Execute(repalign, root,
                ["run", "pipelines/mnist-pairs.toml", "--set", $"train.epochs={epochs}", "--set", $"extract.pairs=random:{pairs}",
                 "--out", dir, "--from", "extract", "--to", "analyze"]);
            var stages = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!["stages"]!;
            double Seconds(string stage) => stages[stage]?["seconds"]?.GetValue<double>() ?? double.NaN;
            var fits = ParquetGroups.Describe(Path.Combine(dir, "fit", "fits.parquet")).Rows;
            var row = new JsonObject
            {
                ["pairs"] = pairs,
                ["epochs"] = epochs,
                ["fits"] = fits,
                ["extract_s"] = Seconds("extract"),
                ["fit_s"] = Seconds("fit"),
                ["analyze_s"] = Seconds("analyze"),
                ["wall_s"] = wall,
                ["fits_per_s"] = fits / Seconds("fit"),
                ["peak_rss_mb"] = peakKb / 1024.0,
            };
            rows.Add(row);
            Console.WriteLine(row.ToJsonString());
        }

        var smallest = Path.Combine(work, $"pairs-{sizes.Min()}-epochs-{epochs}", "extract", "pairs.parquet");
        var throughput = new JsonObject
        {
            [$"mnist_{epochs}_epochs"] = Throughput(smallest, reps),
            ["mnist_200_epochs"] = Throughput(Path.Combine(root, "tests", "RepAlign.Tests", "TestData", "mnist", "pairs_1800.parquet"), 1),
        };
        Console.WriteLine(throughput.ToJsonString());

        var current = new JsonObject
        {
            ["date_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture),
            ["commit"] = Git(root, "rev-parse", "--short", "HEAD"),
            ["cores"] = Environment.ProcessorCount,
            ["load_before"] = loadBefore,
            ["load_after"] = File.ReadAllText("/proc/loadavg").Trim(),
            ["runtime"] = Environment.Version.ToString(),
            ["sizes"] = new JsonArray([.. rows]),
            ["throughput"] = throughput,
        };
        var jsonPath = Path.ChangeExtension(results, ".json");
        JsonNode? previous = File.Exists(jsonPath) ? JsonNode.Parse(File.ReadAllText(jsonPath))?["current"]?.DeepClone() : null;
        File.WriteAllText(jsonPath, new JsonObject { ["current"] = current, ["previous"] = previous }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(results, Markdown(current, previous));
        Console.WriteLine($"written: {results}");
        return 0;
    }

    /// <summary>Fits/s of the reference and the fast algorithm on every trajectory of a pairs table, on all cores, alternating, medians over reps.</summary>
    private static JsonObject Throughput(string pairsParquet, int reps)
    {
        var inputs = StreamingFit.PairBatches(pairsParquet, TimeAxis.Epoch, out _).SelectMany(b => b).ToArray();
        var reference = new List<double>();
        var fast = new List<double>();
        for (var r = 0; r < reps; r++)
        {
            reference.Add(FitsPerSecond(inputs, FitOptions.Reference with { FitLoss = false }));
            fast.Add(FitsPerSecond(inputs, FitOptions.Default with { FitLoss = false }));
        }
        return new JsonObject
        {
            ["trajectories"] = inputs.Length,
            ["epochs_per_trajectory"] = inputs.Length > 0 ? inputs[0].Trajectory.Count : 0,
            ["reps"] = reps,
            ["reference_fits_per_s"] = ProbeArgs.Median(reference),
            ["fast_fits_per_s"] = ProbeArgs.Median(fast),
            ["ratio"] = ProbeArgs.Median(reference.Zip(fast, (a, b) => b / a).ToList()),
        };
    }

    private static double FitsPerSecond(IReadOnlyList<TrajectoryInput> inputs, FitOptions options)
    {
        var clock = Stopwatch.StartNew();
        BulkFit.Run(inputs, options, keepCurves: _ => false);
        return inputs.Count / clock.Elapsed.TotalSeconds;
    }


    private static string Markdown(JsonObject current, JsonNode? previous)
    {
        var s = new StringBuilder();
        s.AppendLine("# Bulk MNIST at scale — linux-x64");
        s.AppendLine();
        s.AppendLine("Written by `dotnet run -c Release --project benchmarks/RepAlign.Benchmarks -- scale` (ScaleBenchmark.cs): extract → fit → analyze");
        s.AppendLine("of pipelines/mnist-pairs.toml (MLP 4×200, shipped 9,000 training digits) with `extract.pairs = random:N`, in a child process per size after one training run;");
        s.AppendLine("peak RSS is the child's maximum resident set (`/usr/bin/time`), stage times from run.json. Fit throughput is measured in the");
        s.AppendLine("benchmark's own process on all cores: the slow reference algorithm (`FitOptions.Reference`, RepAlign's fit before the fast grid)");
        s.AppendLine("against the fast default, alternating, medians.");
        s.AppendLine();
        AppendRun(s, "This run", current);
        if (previous is not null) AppendRun(s, "Previous run (the figures this file held before)", previous);
        return s.ToString();
    }

    private static void AppendRun(StringBuilder s, string title, JsonNode run)
    {
        s.AppendLine(CultureInfo.InvariantCulture, $"## {title}: {run["date_utc"]}, commit {run["commit"]}, {run["cores"]} cores, .NET {run["runtime"]}");
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) before: {run["load_before"]}; after: {run["load_after"]} (the 2 cores are shared).");
        s.AppendLine();
        s.AppendLine("| pairs | epochs | fits | extract | fit | analyze | wall (process) | fits/s | peak RSS |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var sizes = run["sizes"]!.AsArray();
        foreach (var r in sizes)
        {
            s.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r!["pairs"]} | {r["epochs"]} | {r["fits"]} | {D(r, "extract_s"):F1} s | {D(r, "fit_s"):F1} s | {D(r, "analyze_s"):F1} s | {D(r, "wall_s"):F1} s | {D(r, "fits_per_s"):F0} | {D(r, "peak_rss_mb"):F0} MB |"));
        }
        if (sizes.Count > 1)
        {
            s.AppendLine();
            s.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Peak RSS at {sizes[^1]!["pairs"]} pairs / at {sizes[0]!["pairs"]} pairs: {D(sizes[^1]!, "peak_rss_mb") / D(sizes[0]!, "peak_rss_mb"):F2}."));
        }
        s.AppendLine();
        s.AppendLine("| fit throughput | trajectories | epochs | reps | reference fits/s | fast fits/s | ratio (median of per-rep ratios) |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, t) in run["throughput"]!.AsObject())
        {
            s.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {t!["trajectories"]} | {t["epochs_per_trajectory"]} | {t["reps"]} | {D(t, "reference_fits_per_s"):F0} | {D(t, "fast_fits_per_s"):F0} | {D(t, "ratio"):F2} |"));
        }
        s.AppendLine();
    }

    private static double D(JsonNode node, string key) => node[key]?.GetValue<double>() ?? double.NaN;

    private static (long PeakKb, double Wall) Execute(string repalign, string root, string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/time") { WorkingDirectory = root, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])["-f", "repalign-peak-kb %M %e", repalign, .. args]) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var line = stderr.Split('\n').LastOrDefault(l => l.StartsWith("repalign-peak-kb ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"repalign {string.Join(' ', args)} failed ({process.ExitCode}): {stderr}\n{stdout.Result}");
        var parts = line.Split(' ');
        return (long.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static string Git(string root, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = root, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
