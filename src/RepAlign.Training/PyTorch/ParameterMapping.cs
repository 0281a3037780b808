using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Tables;

namespace RepAlign.Training.PyTorch;

/// <summary>One parameter of RepAlign's network: its name (<c>layers.0.weight</c>, …) and shape.</summary>
/// <param name="Name">The parameter's name in the network.</param>
/// <param name="Shape">Its shape.</param>
public sealed record TargetParameter(string Name, long[] Shape);

/// <summary>
/// Binds a file's tensors to the parameters of RepAlign's network of a spec. Explicit names from a parameter map
/// (<c>--param-map FILE</c>, a CSV with columns <c>name</c> (the file's) and <c>parameter</c> (RepAlign's)) bind
/// first; the rest go by order and shape: the file's names are ordered as paths with numbers compared as numbers
/// (<c>layers.2</c> before <c>layers.10</c>; nn.Sequential's <c>0.weight</c>, <c>2.weight</c>, … with activations
/// between them; any shared prefix such as Lightning's <c>model.</c> or <c>net.</c> orders nothing), a module's
/// <c>weight</c> before its <c>bias</c>, and matched one by one to the network's parameters in forward order. A
/// tensor left over, a parameter left without one, or a shape that differs is <see cref="BadInputException"/>
/// naming the file, the tensor and parameter, and both shapes.
/// </summary>
public static class ParameterMapping
{
    /// <summary>Reads a parameter map: file tensor name → RepAlign parameter name.</summary>
    public static IReadOnlyDictionary<string, string> ReadMap(string path)
    {
        const string expected = "a CSV with columns name,parameter (the file's tensor name, RepAlign's parameter name)";
        var table = UserCsv.Read(path, expected);
        int name = table.IndexOf("name"), parameter = table.IndexOf("parameter");
        if (name < 0 || parameter < 0)
            Throw.BadInput($"--param-map {path}:{table.HeaderLine}: columns {string.Join(",", table.Columns)}, expected {expected}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var (from, to) = (row.Cells[name], row.Cells[parameter]);
            if (from.Length == 0 || to.Length == 0) Throw.BadInput($"--param-map {path}:{row.Line}: an empty name, expected both a file tensor name and a parameter name");
            if (!map.TryAdd(from, to)) Throw.BadInput($"--param-map {path}:{row.Line}: tensor '{from}' mapped twice, expected each once");
            if (taken.TryGetValue(to, out var line)) Throw.BadInput($"--param-map {path}:{row.Line}: parameter '{to}' already given on line {line}, expected each once");
            taken[to] = row.Line;
        }
        return map;
    }

    /// <summary>The file's tensors in the order of <paramref name="targets"/>; see the class summary.</summary>
    public static IReadOnlyList<NamedTensor> Bind(StateDict file, IReadOnlyList<TargetParameter> targets, IReadOnlyDictionary<string, string>? map = null, string? mapPath = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(targets);
        var bound = new NamedTensor?[targets.Count];
        var byName = file.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var left = new HashSet<string>(byName.Keys, StringComparer.Ordinal);
        foreach (var (from, to) in map ?? new Dictionary<string, string>())
        {
            var index = IndexOf(targets, to);
            if (index < 0) Throw.BadInput($"--param-map {mapPath}: parameter '{to}' is not one of the network's: {Names(targets)}");
            if (!byName.TryGetValue(from, out var tensor))
                Throw.BadInput($"{file.Path}: --param-map {mapPath} names tensor '{from}', which the file does not hold; its tensors: {Shapes(file.Tensors)}");
            bound[index] = Check(file.Path, tensor, targets[index], "named by --param-map");
            left.Remove(from);
        }
        var rest = file.Tensors.Where(t => left.Contains(t.Name)).Order(ByPath.Instance).ToArray();
        var open = Enumerable.Range(0, targets.Count).Where(i => bound[i] is null).ToArray();
        for (var i = 0; i < Math.Max(rest.Length, open.Length); i++)
        {
            if (i >= open.Length)
                Throw.BadInput($"{file.Path}: extra parameter '{rest[i].Name}' (shape {Shape(rest[i].Shape)}): the spec's network has {targets.Count} parameters ({Names(targets)}); check model.width, model.depth and model.bias, or name the tensors with --param-map FILE");
            var target = targets[open[i]];
            if (i >= rest.Length || LeafKind(rest[i].Name) is { } found && LeafKind(target.Name) is { } wanted && found != wanted && found == "weight")
                Throw.BadInput($"{file.Path}: missing parameter: the network's {target.Name} (expected shape {Shape(target.Shape)}) has no tensor in the file; its tensors in order: {Shapes(rest)}");
            if (LeafKind(rest[i].Name) == "bias" && LeafKind(target.Name) == "weight")
                Throw.BadInput($"{file.Path}: extra parameter '{rest[i].Name}' (shape {Shape(rest[i].Shape)}) where the network's next parameter is {target.Name} (shape {Shape(target.Shape)}); model.bias = false in the spec while the file has biases?");
            bound[open[i]] = Check(file.Path, rest[i], target, $"matched by order (parameter {open[i] + 1} of {targets.Count})");
        }
        return bound.Select(b => b!).ToArray();
    }

    private static NamedTensor Check(string path, NamedTensor tensor, TargetParameter target, string how)
    {
        if (!tensor.Shape.SequenceEqual(target.Shape))
            Throw.BadInput($"{path}: parameter '{tensor.Name}' has shape {Shape(tensor.Shape)}, expected {Shape(target.Shape)} for the network's {target.Name} ({how}); check the spec's model table or name the tensors with --param-map FILE");
        return tensor;
    }

    private static int IndexOf(IReadOnlyList<TargetParameter> targets, string name)
    {
        for (var i = 0; i < targets.Count; i++) if (targets[i].Name == name) return i;
        return -1;
    }

    private static string? LeafKind(string name) => name[(name.LastIndexOf('.') + 1)..] switch
    {
        "weight" => "weight",
        "bias" => "bias",
        _ => null,
    };

    /// <summary>A shape as [a, b].</summary>
    public static string Shape(IEnumerable<long> shape) => $"[{string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))}]";

    private static string Names(IReadOnlyList<TargetParameter> targets) => string.Join(", ", targets.Select(t => $"{t.Name} {Shape(t.Shape)}"));

    private static string Shapes(IEnumerable<NamedTensor> tensors)
    {
        var all = tensors.ToArray();
        var text = string.Join(", ", all.Take(16).Select(t => $"'{t.Name}' {Shape(t.Shape)}"));
        return all.Length == 0 ? "none" : all.Length > 16 ? $"{text}, … ({all.Length} in all)" : text;
    }

    /// <summary>Orders names as dotted paths: numbers compared as numbers, a module's weight before its bias.</summary>
    private sealed class ByPath : IComparer<NamedTensor>
    {
        public static readonly ByPath Instance = new();

        public int Compare(NamedTensor? x, NamedTensor? y)
        {
            var a = x!.Name.Split('.');
            var b = y!.Name.Split('.');
            for (var i = 0; i < Math.Min(a.Length, b.Length) - 1; i++) // the module paths, part by part …
            {
                var c = Part(a[i], b[i]);
                if (c != 0) return c;
            }
            if (a.Length != b.Length) return a.Length.CompareTo(b.Length); // … a module before those inside it …
            var leaf = Rank(a[^1]).CompareTo(Rank(b[^1])); // … then its weight, its bias and the rest
            return leaf != 0 ? leaf : string.CompareOrdinal(a[^1], b[^1]);
        }

        private static int Part(string a, string b) =>
            long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? m.CompareTo(n)
                : string.CompareOrdinal(a, b);

        private static int Rank(string leaf) => leaf switch { "weight" => 0, "bias" => 1, _ => 2 };
    }
}
