using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Specs;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace RepAlign.Pipelines.Spec;

/// <summary>Loads a pipeline file (TOML) and <c>--set key=value</c> overrides into a validated <see cref="ExperimentSpec"/>.</summary>
public static class PipelineFile
{
    /// <summary>Reads, binds and validates the base spec; every problem is a <see cref="BadInputException"/> naming file, line and key.</summary>
    public static ExperimentSpec Load(string path, IReadOnlyList<string>? overrides = null) =>
        Validate(LoadDocument(path, overrides).Base, path);

    /// <summary>Binds TOML text (named <paramref name="fileName"/> in messages) and overrides into a validated base spec.</summary>
    public static ExperimentSpec Parse(string text, string fileName, IReadOnlyList<string> overrides) =>
        Validate(ParseDocument(text, fileName, overrides).Base, fileName);

    /// <summary>Reads a pipeline file with its variants and sweep grid.</summary>
    public static PipelineDocument LoadDocument(string path, IReadOnlyList<string>? overrides = null)
    {
        if (!File.Exists(path)) Throw.BadInput($"{path}: pipeline file not found (expected a TOML file such as pipelines/two-points.toml)");
        return ParseDocument(File.ReadAllText(path), path, overrides ?? []);
    }

    /// <summary>Parses a pipeline: ordinary tables and --set overrides form the base; <c>[[variants]]</c> and <c>[sweep]</c> are kept for expansion.</summary>
    public static PipelineDocument ParseDocument(string text, string fileName, IReadOnlyList<string> overrides)
    {
        DocumentSyntax doc;
        try
        {
            doc = SyntaxParser.Parse(text, fileName, true);
        }
        catch (ArgumentException e) // Tomlyn 2.10 throws on some malformed escapes (e.g. "\u00" at the end of a file)
        {
            return Throw.BadInput<PipelineDocument>($"{fileName}: malformed TOML: {e.Message.Split('\n')[0]}");
        }
        if (doc.HasErrors)
        {
            var first = doc.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            Throw.BadInput($"{fileName}:{first.Span.Start.Line + 1}: malformed TOML: {first.Message}");
        }
        var spec = new ExperimentSpec();
        var variants = new List<Variant>();
        var axes = new List<SweepAxis>();
        foreach (var kv in doc.KeyValues)
        {
            spec = Apply(spec, Read(kv, "", fileName));
        }
        foreach (var table in doc.Tables)
        {
            var name = KeyName(table.Name!);
            var line = table.Span.Start.Line + 1;
            if (table is not TableSyntax)
            {
                if (name != "variants") Throw.BadInput($"{fileName}:{line}: [[{name}]]: the only array of tables in a pipeline file is [[variants]]");
                variants.Add(ReadVariant(table, fileName, variants.Count));
                continue;
            }
            if (name == "sweep")
            {
                foreach (var kv in table.Items)
                {
                    var a = Read(kv, "", fileName);
                    if (a.Value is not List<object> { Count: > 0 } values)
                        return Throw.BadInput<PipelineDocument>($"{a.Where}: sweep axis '{a.Key}': found {PipelineKey.Show(a.Value)}, expected a non-empty list of values");
                    Apply(new ExperimentSpec(), a with { Value = values[0] }); // validates the key early, with its line
                    axes.Add(new SweepAxis(a.Key, values, a.Where));
                }
                continue;
            }
            if (!PipelineKeys.Sections.Contains(name))
                Throw.BadInput($"{fileName}:{line}: unknown section [{name}]{Suggest.DidYouMean(name, [.. PipelineKeys.Sections, "sweep", "variants"])} (sections: {string.Join(", ", PipelineKeys.Sections)}, sweep, [[variants]])");
            foreach (var kv in table.Items)
            {
                spec = Apply(spec, Read(kv, name + ".", fileName));
            }
        }
        foreach (var o in overrides)
        {
            var (key, value) = ParseOverride(o);
            spec = Apply(spec, new Assignment(key, value, $"--set {o}"));
        }
        return new PipelineDocument(spec, variants, axes);
    }

    private static Variant ReadVariant(TableSyntaxBase table, string fileName, int index)
    {
        string? name = null;
        var assignments = new List<Assignment>();
        foreach (var kv in table.Items)
        {
            var a = Read(kv, "", fileName);
            if (a.Key == "name")
            {
                name = a.Value as string ?? Throw.BadInput<string>($"{a.Where}: variants.name: found {PipelineKey.Show(a.Value)}, expected a string");
                continue;
            }
            Apply(new ExperimentSpec(), a); // validates key and value with their line
            assignments.Add(a);
        }
        if (string.IsNullOrWhiteSpace(name))
            Throw.BadInput($"{fileName}:{table.Span.Start.Line + 1}: [[variants]] entry {index + 1}: missing name = \"…\" (every variant needs a name)");
        return new Variant(name, assignments);
    }

    private static Assignment Read(KeyValueSyntax kv, string prefix, string fileName) =>
        new(prefix + KeyName(kv.Key!), ToValue(kv.Value!, fileName), $"{fileName}:{kv.Span.Start.Line + 1}");

    /// <summary>Splits "key=value" and parses the value as TOML (bare words are strings).</summary>
    public static (string Key, object Value) ParseOverride(string text)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0) Throw.BadInput($"--set {text}: expected key=value, e.g. --set model.width=64");
        var key = text[..eq].Trim();
        var raw = text[(eq + 1)..].Trim();
        var entries = TryEntries($"v = {raw}");
        var value = entries is [var single] ? single.Value : raw;
        return (key, value);
    }

    /// <summary>Applies one assignment through the key table; unknown keys and sections get the nearest valid one suggested.</summary>
    public static ExperimentSpec Apply(ExperimentSpec spec, Assignment assignment)
    {
        var (key, value, where) = assignment;
        if (PipelineKeys.All.TryGetValue(key, out var k)) return k.Apply(spec, value, where);
        var dot = key.IndexOf('.');
        var section = dot > 0 ? key[..dot] : "";
        if (dot <= 0 || !PipelineKeys.Sections.Contains(section))
        {
            var hint = Suggest.DidYouMean(dot > 0 ? section : key, PipelineKeys.Sections);
            return Throw.BadInput<ExperimentSpec>($"{where}: unknown section '{(dot > 0 ? section : key)}'{hint} (sections: {string.Join(", ", PipelineKeys.Sections)})");
        }
        var inSection = PipelineKeys.All.Keys.Where(n => n.StartsWith(section + ".", StringComparison.Ordinal)).ToArray();
        var suggestion = Suggest.Nearest(key, PipelineKeys.All.Keys);
        var hintText = suggestion is not null ? $"; did you mean '{suggestion}'?" : $" (keys of [{section}]: {string.Join(", ", inSection)})";
        return Throw.BadInput<ExperimentSpec>($"{where}: unknown key '{key}'{hintText}");
    }

    /// <summary>Checks what no single key can: layers within depth, windows in order, batches that fit the data.</summary>
    public static ExperimentSpec Validate(ExperimentSpec spec, string fileName)
    {
        var points = spec.Data.Kind == DataKind.Mnist ? null : Core.Data.PointSet.Of(spec.Data);
        var (inputs, outputs) = points is null
            ? (Core.Data.MnistDataset.PixelCount, Core.Data.MnistDataset.ClassCount)
            : (points.InputDim, points.OutputDim);
        try
        {
            Architecture.Validate(spec.Model, inputs, outputs); // unsupported architectures stop before training
        }
        catch (BadInputException e)
        {
            Throw.BadInput($"{fileName}: {e.Message}");
        }
        var depth = Architecture.HiddenLayerCount(spec.Model);
        if (TrackedLayers.Of(spec).FirstOrDefault(l => l >= depth, -1) is var bad && bad >= 0)
            Throw.BadInput($"{fileName}: track.layers: found layer {bad}, expected indices below {depth}, the number of hidden layers of this {SnakeCase.Of(spec.Model.Kind)} with model.depth = {spec.Model.Depth} (hidden layers are 0..{depth - 1})");
        if (spec.Fit.WindowStart is { } ws && spec.Fit.WindowEnd is { } we && we <= ws)
            Throw.BadInput($"{fileName}: fit.window_end: found {we}, expected a value above fit.window_start = {ws}");
        if (spec.Train.Loss == LossKind.Mse && spec.Fit.FitLoss)
            Throw.BadInput($"{fileName}: fit.fit_loss: found true with train.loss = \"mse\", expected false (the analytic loss curve η_ybar is fitted to is 0.5·MSE; set fit.fit_loss = false or train.loss = \"half_mse\")");
        if (spec.Train.StopLoss > 0 && spec.Data.Kind == DataKind.Mnist)
            Throw.BadInput($"{fileName}: train.stop_loss: found {Format(spec.Train.StopLoss)}, expected 0 for data.kind = mnist (stopping at a loss applies to point-set data: two_point, xor, context_blobs)");
        return spec;
    }

    private static List<(string Key, object Value)>? TryEntries(string text)
    {
        var doc = SyntaxParser.Parse(text, "--set", true);
        if (doc.HasErrors) return null;
        try
        {
            return doc.KeyValues.Select(kv => (KeyName(kv.Key!), ToValue(kv.Value!, "--set"))).ToList();
        }
        catch (BadInputException)
        {
            return null;
        }
    }

    private static string KeyName(KeySyntax key)
    {
        var parts = new List<string> { Simple(key.Key) };
        foreach (var dotted in key.DotKeys) parts.Add(Simple(dotted.Key));
        return string.Join('.', parts);

        static string Simple(BareKeyOrStringValueSyntax? k) => k switch
        {
            BareKeySyntax bare => bare.Key!.Text!,
            StringValueSyntax s => s.Value!,
            _ => k?.ToString() ?? "",
        };
    }

    private static object ToValue(ValueSyntax value, string fileName) => value switch
    {
        StringValueSyntax s => s.Value!,
        IntegerValueSyntax i => i.Value,
        FloatValueSyntax f => f.Value,
        BooleanValueSyntax b => b.Value,
        ArraySyntax a => a.Items.Select(item => ToValue(item.Value!, fileName)).ToList(),
        _ => Throw.BadInput<object>($"{fileName}:{value.Span.Start.Line + 1}: unsupported value '{value.ToString()?.Trim()}' (pipeline values are numbers, strings, booleans or lists)"),
    };

    /// <summary>Formats a number as the pipeline file would (invariant culture).</summary>
    public static string Format(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
