using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Spec;

/// <summary>One settable key of a pipeline file: its name, meaning, accepted values and where it lands in the spec.</summary>
/// <param name="Name">Dotted name, e.g. <c>model.width</c>.</param>
/// <param name="Doc">One line on what the key means.</param>
/// <param name="Expected">What a valid value looks like (for messages and help).</param>
/// <param name="Apply">Validates a parsed TOML value and returns the spec with it set; throws <see cref="BadInputException"/> through the binder's location.</param>
public sealed record PipelineKey(string Name, string Doc, string Expected, Func<ExperimentSpec, object, string, ExperimentSpec> Apply)
{
    /// <summary>The table the key belongs to.</summary>
    public string Section => Name[..Name.IndexOf('.')];

    /// <summary>An integer key with an inclusive lower bound.</summary>
    public static PipelineKey Int(string name, string doc, long min, Func<ExperimentSpec, int, ExperimentSpec> set) =>
        new(name, doc, $"an integer ≥ {min}", (spec, value, where) =>
            value is long l && l >= min && l <= int.MaxValue ? set(spec, (int)l) : Bad<ExperimentSpec>(where, name, value, $"an integer ≥ {min}"));

    /// <summary>A floating-point key; <paramref name="min"/> is exclusive when <paramref name="exclusive"/>.</summary>
    public static PipelineKey Float(string name, string doc, double min, bool exclusive, Func<ExperimentSpec, double, ExperimentSpec> set)
    {
        var expected = exclusive ? $"a number > {Fmt(min)}" : $"a number ≥ {Fmt(min)}";
        return new(name, doc, expected, (spec, value, where) =>
        {
            double? d = value switch { double x => x, long l => l, _ => null };
            var ok = d is { } v && double.IsFinite(v) && (exclusive ? v > min : v >= min);
            return ok ? set(spec, d!.Value) : Bad<ExperimentSpec>(where, name, value, expected);
        });
    }

    /// <summary>A free string key.</summary>
    public static PipelineKey Text(string name, string doc, Func<ExperimentSpec, string, ExperimentSpec> set) =>
        new(name, doc, "a string", (spec, value, where) =>
            value is string s ? set(spec, s) : Bad<ExperimentSpec>(where, name, value, "a string"));

    /// <summary>A boolean key.</summary>
    public static PipelineKey Bool(string name, string doc, Func<ExperimentSpec, bool, ExperimentSpec> set) =>
        new(name, doc, "true or false", (spec, value, where) =>
            value is bool b ? set(spec, b) : Bad<ExperimentSpec>(where, name, value, "true or false"));

    /// <summary>A key taking one of a fixed set of names.</summary>
    public static PipelineKey Choice(string name, string doc, string[] choices, Func<ExperimentSpec, string, ExperimentSpec> set)
    {
        var expected = "one of " + string.Join(", ", choices.Select(c => $"\"{c}\""));
        return new(name, doc, expected, (spec, value, where) =>
        {
            if (value is string s && choices.Contains(s)) return set(spec, s);
            var hint = value is string t ? Suggest.DidYouMean(t, choices) : "";
            return Bad<ExperimentSpec>(where, name, value, expected + hint);
        });
    }

    /// <summary>A key naming a value of enum <typeparamref name="T"/> in snake_case.</summary>
    public static PipelineKey Enum<T>(string name, string doc, Func<ExperimentSpec, T, ExperimentSpec> set) where T : struct, System.Enum =>
        Choice(name, doc, SnakeCase.Names<T>(), (spec, s) => set(spec, SnakeCase.Parse<T>(s)!.Value));

    /// <summary>
    /// Parses a command-line option that takes the snake_case name of an enum value (<c>--device cuda</c>): the edge where
    /// such strings become values. Throws <see cref="BadInputException"/> "option: key: found X, expected one of …".
    /// </summary>
    /// <param name="text">The option's value.</param>
    /// <param name="option">The option, e.g. <c>--device</c>.</param>
    /// <param name="key">The pipeline key it sets, e.g. <c>extract.device</c>.</param>
    public static T ParseEnum<T>(string text, string option, string key) where T : struct, System.Enum
    {
        if (SnakeCase.Parse<T>(text) is { } value) return value;
        var names = SnakeCase.Names<T>();
        return Bad<T>(option, key, text, "one of " + string.Join(", ", names.Select(c => $"\"{c}\"")) + Suggest.DidYouMean(text, names));
    }

    /// <summary>Formats a TOML value for a message.</summary>
    public static string Show(object value) => value switch
    {
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        List<object> list => "[" + string.Join(", ", list.Select(Show)) + "]",
        _ => value.ToString() ?? "",
    };

    /// <summary>Throws the standard "where: key: found X, expected Y" error.</summary>
    public static T Bad<T>(string where, string name, object value, string expected) =>
        Throw.BadInput<T>($"{where}: {name}: found {Show(value)}, expected {expected}");

    private static string Fmt(double d) => d.ToString(CultureInfo.InvariantCulture);
}
