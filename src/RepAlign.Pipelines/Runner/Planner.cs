using System.Text.Json;
using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Runner;

/// <summary>What the planner decided for one stage.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Run">Whether it must run.</param>
/// <param name="Reason">Why: the setting or input that changed, a missing output, --from; or "up to date", "before --from", "after --to".</param>
public sealed record StageDecision(IStage Stage, bool Run, string Reason)
{
    /// <summary>The cache key it runs (or ran) under; empty when an earlier stage runs first, so its inputs are not known yet.</summary>
    public string Key { get; init; } = "";

    /// <summary>The content hash of every file it reads (empty when not known yet).</summary>
    public SortedDictionary<string, string> Inputs { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Its typed parameters as hashed into the key.</summary>
    public JsonElement? Parameters { get; init; }
}

/// <summary>
/// The one planner: decides which stages of a run must run, from their cache keys (typed parameters and the content hashes
/// of everything they read), the recorded outputs, and --from/--to. The local runner asks it before each stage; the Slurm
/// executor, sweep points, reproduce and the F# API ask it for a whole plan. docs/design.md "Planner".
/// </summary>
public static class Planner
{
    /// <summary>The indices of the first and last stage to consider; unknown names or --to before --from are bad input.</summary>
    public static (int From, int To) Range(StageGraph graph, string? from, string? to)
    {
        var names = graph.Names.ToArray();
        var first = Index(from, "--from", names, 0);
        var last = Index(to, "--to", names, names.Length - 1);
        if (last < first) Throw.BadInput($"--to {to}: comes before --from {from} (stages run in the order {string.Join(" → ", names)})");
        return (first, last);
    }

    /// <summary>
    /// Whether <paramref name="stage"/> must run now, given what run.json records: it runs when <paramref name="forcedBy"/>
    /// names a reason (--from), when it has not run, when its last attempt did not finish, when its key changed (the reason
    /// names the settings and inputs that changed) or when a recorded output is missing. With <paramref name="rehash"/> no
    /// cached hash is trusted: inputs are hashed from their bytes, and recorded outputs must still hold the bytes recorded.
    /// </summary>
    public static StageDecision Decide(IStage stage, ExperimentSpec spec, RunLayout layout, RunManifest manifest, string? forcedBy = null, bool rehash = false)
    {
        var inputs = InputHashes(stage, spec, layout, manifest, rehash);
        var parameters = JsonSerializer.SerializeToElement(stage.Parameters(spec), RepAlignJson.Compact);
        var key = KeyOf(stage.Name, parameters, inputs);
        StageDecision Decision(bool run, string reason) => new(stage, run, reason) { Key = key, Inputs = inputs, Parameters = parameters };
        if (forcedBy is not null) return Decision(true, forcedBy);
        if (!manifest.Stages.TryGetValue(stage.Name, out var previous)) return Decision(true, "not run yet");
        if (previous.State != StageState.Done)
            return Decision(true, previous.State == StageState.Failed ? $"its last attempt failed ({previous.Message})" : $"its last attempt did not finish ({Spec.SnakeCase.Of(previous.State)})");
        if (previous.CacheKey != key) return Decision(true, Changes(previous, parameters, inputs));
        var missing = previous.Outputs.Keys.FirstOrDefault(o => !File.Exists(layout.Absolute(o)));
        if (missing is not null) return Decision(true, $"its output {missing} is missing");
        var altered = rehash ? previous.Outputs.FirstOrDefault(o => Hashing.File(layout.Absolute(o.Key)) != o.Value).Key : null;
        return altered is null ? Decision(false, "up to date") : Decision(true, $"its output {altered} no longer holds what it wrote (--rehash)");
    }

    /// <summary>
    /// The whole plan of a run folder, without running anything: stages outside --from/--to are not run; from --from on
    /// every stage runs; otherwise <see cref="Decide"/>, except that a stage after one that runs runs too (its inputs will
    /// change). This is the local runner's answer whenever a re-run stage writes new outputs, which a changed setting does.
    /// </summary>
    public static IReadOnlyList<StageDecision> Plan(StageGraph graph, ExperimentSpec spec, RunLayout layout, string? from = null, string? to = null, bool rehash = false)
    {
        var (first, last) = Range(graph, from, to);
        var manifest = File.Exists(layout.Manifest) ? RunManifest.Read(layout.Manifest) : new RunManifest();
        var decisions = new List<StageDecision>();
        string? earlier = null;
        for (var i = 0; i < graph.Stages.Count; i++)
        {
            var stage = graph.Stages[i];
            if (i < first || i > last)
            {
                decisions.Add(new StageDecision(stage, false, i < first ? "before --from" : "after --to"));
                continue;
            }
            var decision = earlier is not null && from is null
                ? new StageDecision(stage, true, $"{earlier} runs first")
                : Decide(stage, spec, layout, manifest, from is null ? null : $"--from {from}", rehash);
            if (decision.Run) earlier ??= stage.Name;
            decisions.Add(decision);
        }
        return decisions;
    }

    /// <summary>One line per stage of a plan: "train: runs (train.lr: 0.005 → 0.02)", "fit: up to date".</summary>
    public static string Describe(IEnumerable<StageDecision> plan) =>
        string.Join("; ", plan.Select(d => d.Run ? $"{d.Stage.Name}: runs ({d.Reason})" : $"{d.Stage.Name}: {d.Reason}"));

    /// <summary>
    /// The content hash of every file a stage reads: the recorded outputs of the stages it depends on, then the files it
    /// declares (<see cref="IStage.Inputs"/>): an earlier stage's recorded output by its recorded hash, any other file by its
    /// content (<see cref="ContentHashes"/>; with <paramref name="rehash"/> from its bytes, no cached hash). Keys are
    /// run-relative inside the run folder, absolute outside it.
    /// </summary>
    public static SortedDictionary<string, string> InputHashes(IStage stage, ExperimentSpec spec, RunLayout layout, RunManifest manifest, bool rehash = false)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in stage.DependsOn)
        {
            if (!manifest.Stages.TryGetValue(d, out var r)) continue;
            foreach (var (path, hash) in r.Outputs) hashes[path] = hash;
        }
        var recorded = manifest.Stages.Values.Where(r => r.State == StageState.Done).SelectMany(r => r.Outputs)
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        foreach (var input in stage.Inputs(spec, layout))
        {
            var full = Path.GetFullPath(input);
            var relative = layout.Relative(full);
            var inside = !Path.IsPathRooted(relative) && relative != ".." && !relative.StartsWith("../", StringComparison.Ordinal);
            var name = inside ? relative : full;
            if (hashes.ContainsKey(name)) continue;
            hashes[name] = !rehash && inside && recorded.TryGetValue(name, out var known) && File.Exists(full) ? known : StageHashes.Of(full, rehash);
        }
        return hashes;
    }

    /// <summary>The cache key of a stage: its name, its typed parameters and the content hash of every file it reads.</summary>
    public static string Key(IStage stage, ExperimentSpec spec, SortedDictionary<string, string> inputs) =>
        KeyOf(stage.Name, JsonSerializer.SerializeToElement(stage.Parameters(spec), RepAlignJson.Compact), inputs);

    private static string KeyOf(string name, JsonElement parameters, SortedDictionary<string, string> inputs) =>
        Hashing.Text($"{name}\n{parameters.GetRawText()}\n{string.Join('\n', inputs.Select(kv => $"{kv.Key}={kv.Value}"))}");

    /// <summary>What differs from the last run: the settings (dotted keys, before → after) and the inputs whose content changed.</summary>
    private static string Changes(StageRecord previous, JsonElement parameters, SortedDictionary<string, string> inputs)
    {
        var parts = new List<string>();
        if (previous.Parameters is { } before)
        {
            var changed = JsonFlatten.Changes(JsonFlatten.Of(before.GetRawText()), JsonFlatten.Of(parameters.GetRawText()));
            parts.AddRange(changed.Select(c => $"{c.Key}: {c.Before} → {c.After}"));
        }
        else parts.Add("its settings may have changed (the earlier run recorded none)");
        foreach (var (path, hash) in inputs)
        {
            if (!previous.Inputs.TryGetValue(path, out var old)) parts.Add($"new input {path}");
            else if (old != hash) parts.Add($"{path} changed");
        }
        parts.AddRange(previous.Inputs.Keys.Where(p => !inputs.ContainsKey(p)).Select(p => $"input {p} no longer read"));
        return parts.Count > 0 ? string.Join(", ", parts) : "its cache key changed";
    }

    private static int Index(string? name, string option, string[] names, int fallback)
    {
        if (name is null) return fallback;
        var i = Array.IndexOf(names, name);
        if (i < 0) Throw.BadInput($"{option} {name}: unknown stage{Suggest.DidYouMean(name, names)} (stages: {string.Join(", ", names)})");
        return i;
    }
}
