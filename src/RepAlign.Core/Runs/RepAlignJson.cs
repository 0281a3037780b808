using System.Text.Json;
using System.Text.Json.Serialization;

namespace RepAlign.Core.Runs;

/// <summary>The JSON conventions of run manifests and checkpoint metadata: snake_case names and enum values.</summary>
public static class RepAlignJson
{
    /// <summary>Indented, snake_case, enums as strings.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: true);

    /// <summary>Compact form of <see cref="Options"/>, canonical enough to hash.</summary>
    public static JsonSerializerOptions Compact { get; } = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = indented,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Serialises a value compactly (for hashing and metadata).</summary>
    public static string ToCompact<T>(T value) => JsonSerializer.Serialize(value, Compact);
}
