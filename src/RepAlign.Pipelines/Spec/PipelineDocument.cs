using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Spec;

/// <summary>One assignment read from a pipeline file: a dotted key, its TOML value and where it was written.</summary>
/// <param name="Key">Dotted key, e.g. <c>model.gain</c>.</param>
/// <param name="Value">The parsed value.</param>
/// <param name="Where">"file:line" or "--set …", for messages.</param>
public sealed record Assignment(string Key, object Value, string Where);

/// <summary>A named setting of a pipeline (a <c>[[variants]]</c> entry): assignments applied on top of the base spec.</summary>
/// <param name="Name">The variant's name (folder name of its runs).</param>
/// <param name="Assignments">The keys it sets.</param>
public sealed record Variant(string Name, IReadOnlyList<Assignment> Assignments);

/// <summary>One axis of a <c>[sweep]</c> grid: a key and the values it takes.</summary>
/// <param name="Key">Dotted key.</param>
/// <param name="Values">Values, in file order.</param>
/// <param name="Where">Where the axis was written.</param>
public sealed record SweepAxis(string Key, IReadOnlyList<object> Values, string Where);

/// <summary>One concrete run of a pipeline: a variant × grid point × trial, resolved to a spec.</summary>
/// <param name="Label">Unique, file-system-safe name, e.g. <c>gain_0.9/model.width=64/t0</c>.</param>
/// <param name="Variant">The variant's name ("" for none).</param>
/// <param name="Trial">Trial index (seed offset).</param>
/// <param name="Settings">The swept keys and their values as written.</param>
/// <param name="Spec">The resolved spec.</param>
public sealed record RunPoint(string Label, string Variant, int Trial, IReadOnlyDictionary<string, string> Settings, ExperimentSpec Spec);

/// <summary>A parsed pipeline file: the base spec, variants, a sweep grid and trials.</summary>
/// <param name="Base">The spec from the ordinary tables and --set overrides.</param>
/// <param name="Variants">The <c>[[variants]]</c> entries (empty: just the base).</param>
/// <param name="Axes">The <c>[sweep]</c> axes (empty: no grid).</param>
public sealed record PipelineDocument(ExperimentSpec Base, IReadOnlyList<Variant> Variants, IReadOnlyList<SweepAxis> Axes)
{
    /// <summary>Whether the file expands into more than one run.</summary>
    public bool IsSweep => Variants.Count > 0 || Axes.Count > 0 || Base.Trials > 1;

    /// <summary>Every run: variants × grid points × trials, each validated.</summary>
    public IReadOnlyList<RunPoint> Expand(string fileName, Func<ExperimentSpec, ExperimentSpec>? finish = null)
    {
        var variants = Variants.Count > 0 ? Variants : [new Variant("", [])];
        var grid = new List<List<(SweepAxis Axis, object Value)>> { new() };
        foreach (var axis in Axes)
        {
            grid = grid.SelectMany(point => axis.Values.Select(v => new List<(SweepAxis, object)>(point) { (axis, v) })).ToList();
        }
        var points = new List<RunPoint>();
        var setting = 0; // index of the (variant, grid point) setting, for the derived seeds
        foreach (var variant in variants)
        {
            var spec = variant.Assignments.Aggregate(Base, (s, a) => PipelineFile.Apply(s, a));
            foreach (var point in grid)
            {
                var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
                var pointSpec = spec;
                foreach (var (axis, value) in point)
                {
                    pointSpec = PipelineFile.Apply(pointSpec, new Assignment(axis.Key, value, axis.Where));
                    settings[axis.Key] = PipelineKey.Show(value).Trim('"');
                }
                for (var t = 0; t < Base.Trials; t++)
                {
                    var trialSpec = pointSpec with { Train = pointSpec.Train with { Seed = DerivedSeed(pointSpec, setting, t) } };
                    trialSpec = PipelineFile.Validate(finish is null ? trialSpec : finish(trialSpec), fileName);
                    var parts = new List<string>();
                    if (variant.Name.Length > 0) parts.Add(variant.Name);
                    parts.AddRange(settings.Select(kv => $"{kv.Key}={kv.Value}"));
                    parts.Add("t" + t.ToString(CultureInfo.InvariantCulture));
                    points.Add(new RunPoint(Safe(string.Join("_", parts)), variant.Name, t, settings, trialSpec));
                }
                setting++;
            }
        }
        return points;
    }

    /// <summary>
    /// The seed of trial <paramref name="trial"/> of setting <paramref name="setting"/> (variants × grid points in
    /// file order): train.seed + setting · trials + trial, or train.seed + trial with experiment.shared_seed.
    /// A file that expands to one run keeps train.seed.
    /// </summary>
    private int DerivedSeed(ExperimentSpec spec, int setting, int trial)
    {
        var offset = Base.SharedSeed ? trial : (long)setting * Base.Trials + trial;
        var seed = spec.Train.Seed + offset;
        if (seed > int.MaxValue)
            Throw.BadInput($"train.seed: found {spec.Train.Seed}, expected a value that leaves room for the {offset} derived seeds above it (at most {int.MaxValue - offset})");
        return (int)seed;
    }

    private static string Safe(string label) =>
        string.Concat(label.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' or '=' ? c : '-'));
}
