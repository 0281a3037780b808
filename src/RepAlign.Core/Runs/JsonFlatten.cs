using System.Text.Json;
using System.Text.Json.Nodes;

namespace RepAlign.Core.Runs;

/// <summary>JSON objects as dotted keys (<c>train.lr</c>) and their values as compact JSON, so two settings can be compared field by field.</summary>
public static class JsonFlatten
{
    /// <summary>Every leaf of <paramref name="json"/> by its dotted path; throws <see cref="JsonException"/> when it is not JSON.</summary>
    public static SortedDictionary<string, string> Of(string json) => Of(JsonNode.Parse(json));

    /// <summary>Every leaf of a parsed JSON value by its dotted path (a leaf at the top has the key "").</summary>
    public static SortedDictionary<string, string> Of(JsonNode? root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? node, string prefix)
        {
            if (node is JsonObject obj)
                foreach (var (key, child) in obj) Walk(child, prefix.Length == 0 ? key : $"{prefix}.{key}");
            else
                result[prefix] = node?.ToJsonString() ?? "null";
        }
        Walk(root, "");
        return result;
    }

    /// <summary>The keys whose values differ, in key order, with both values ("(absent)" where a side lacks the key).</summary>
    public static IReadOnlyList<(string Key, string Before, string After)> Changes(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
            .Select(k => (k, before.GetValueOrDefault(k, "(absent)"), after.GetValueOrDefault(k, "(absent)")))
            .ToArray();
}
