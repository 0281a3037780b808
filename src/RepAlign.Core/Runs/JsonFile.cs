using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RepAlign.Core.Runs;

/// <summary>
/// Reads the JSON files RepAlign writes and a user may point it at (run.json, checkpoints/index.json, slurm/jobs.json):
/// any file that is not such a document (unreadable, truncated, malformed, a wrong type, an unknown enum name or a
/// number where a name belongs, a repeated key, a null where a value is required) is bad input naming the file and
/// what was found, never an exception from deep inside a later stage.
/// </summary>
public static class JsonFile
{
    /// <summary>
    /// <see cref="RepAlignJson.Options"/> for reading files: enums only by name (an integer is not a stage state), and
    /// a null where the model requires a value is an error (checked through the serializer's own contract).
    /// </summary>
    private static readonly JsonSerializerOptions Reading = CreateReading();

    /// <summary>
    /// Reads <paramref name="path"/> as <typeparamref name="T"/>; <paramref name="expected"/> names the document in
    /// messages ("a RepAlign run.json").
    /// </summary>
    /// <exception cref="BadInputException">The file cannot be read or is not such a document.</exception>
    public static T Read<T>(string path, string expected) where T : class
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Throw.BadInput<T>($"{path}: cannot be read ({e.Message}); expected {expected}");
        }
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(text, Reading);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}" + (e.Path is { Length: > 1 } p ? $", {p}" : "") : "";
            return Throw.BadInput<T>($"{path}: malformed{where}: {FirstLine(e.Message)}; expected {expected}");
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // ArgumentException: a key given twice in one object; the others: a value no converter takes.
            return Throw.BadInput<T>($"{path}: malformed: {FirstLine(e.Message)}; expected {expected}");
        }
        if (value is null) return Throw.BadInput<T>($"{path}: found null, expected {expected}");
        if (FirstNull(value, "$", 0) is { } missing) return Throw.BadInput<T>($"{path}: {missing}: found null, expected a value ({expected})");
        return value;
    }

    /// <summary>The JSON path of the first null in <paramref name="value"/> that its type does not allow, or null when there is none.</summary>
    private static string? FirstNull(object value, string where, int depth)
    {
        if (depth > 64) return null;
        var info = Reading.GetTypeInfo(value.GetType());
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Dictionary:
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    var at = $"{where}.{entry.Key}";
                    if (entry.Value is null) return at;
                    if (FirstNull(entry.Value, at, depth + 1) is { } inner) return inner;
                }
                return null;
            case JsonTypeInfoKind.Enumerable:
                var i = 0;
                foreach (var item in (IEnumerable)value)
                {
                    var at = $"{where}[{i++}]";
                    if (item is null) return at;
                    if (FirstNull(item, at, depth + 1) is { } inner) return inner;
                }
                return null;
            case JsonTypeInfoKind.Object:
                foreach (var property in info.Properties)
                {
                    if (property.Get is null || property.Set is null && property.AssociatedParameter is null) continue;
                    var v = property.Get(value);
                    var at = $"{where}.{property.Name}";
                    if (v is null)
                    {
                        if (!property.IsSetNullable && !(property.AssociatedParameter?.IsNullable ?? false)) return at;
                        continue;
                    }
                    if (FirstNull(v, at, depth + 1) is { } inner) return inner;
                }
                return null;
            default:
                return null;
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private static JsonSerializerOptions CreateReading()
    {
        var options = new JsonSerializerOptions(RepAlignJson.Options);
        options.Converters.Clear();
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
