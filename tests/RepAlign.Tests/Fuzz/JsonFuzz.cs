using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace RepAlign.Tests.Fuzz;

/// <summary>What reading a mutated JSON file must give.</summary>
public enum Expect
{
    /// <summary>The document as written (exit 0, the parsed value equal to the written one).</summary>
    Same,
    /// <summary>Bad input naming the file (exit 2).</summary>
    Bad,
    /// <summary>Either, as long as it is not an exception of another kind (a flipped byte in a string is still a string).</summary>
    Either,
}

/// <summary>
/// Mutations of a valid JSON document that RepAlign wrote: kept as written, reformatted or reordered (must read back
/// equal), truncated, a value of the wrong type, an enum name that does not exist, an empty file (must be bad input),
/// nulls, repeated keys, flipped bytes and garbage (either, but never another exception).
/// </summary>
public static class JsonFuzz
{
    /// <summary>Text pieces strings are drawn from: ASCII, escapes, non-ASCII letters, a surrogate pair.</summary>
    private static readonly string[] Pieces = ["a", "Z", "0", " ", "run", "/", "\"", "\\", "\n", "\t", "é", "日本", "😀", "=", "{", "]", ",", "\u0001"];

    /// <summary>Strings of 0–6 pieces.</summary>
    public static readonly Gen<string> Text = Gen.OneOfConst(Pieces).Array[0, 6].Select(p => string.Concat(p));

    /// <summary>Lower-case hex of <paramref name="length"/> digits.</summary>
    public static Gen<string> Hex(int length) => Gen.Char["0123456789abcdef"].Array[length].Select(c => new string(c));

    /// <summary>A UTC time in 1970–2100, to the tick.</summary>
    public static readonly Gen<DateTime> Utc = Gen.Long[0, 4102444800L * TimeSpan.TicksPerSecond].Select(t => DateTime.UnixEpoch.AddTicks(t));

    /// <summary>The mutations of <paramref name="valid"/> (RepAlign's own indented JSON), with what reading each must give.</summary>
    /// <param name="valid">The document as written.</param>
    /// <param name="enumKeys">Property names whose values are enum names (a made-up name must be bad input).</param>
    /// <param name="ignoredOnRead">Property names the reader does not read (computed ones): a wrong type there is no error.</param>
    public static Gen<(string Text, Expect Expect, string Kind)> Mutations(string valid, string[] enumKeys, string[] ignoredOnRead) =>
        Gen.Int[0, 11].SelectMany(kind => Gen.Int[0, int.MaxValue].Select(Gen.Int[0, int.MaxValue], (a, b) => Mutate(valid, kind, a, b, enumKeys, ignoredOnRead)));

    private static (string, Expect, string) Mutate(string valid, int kind, int a, int b, string[] enumKeys, string[] ignored)
    {
        var node = JsonNode.Parse(valid)!;
        switch (kind)
        {
            case 0: return (valid, Expect.Same, "as written");
            case 1: return (node.ToJsonString(), Expect.Same, "compact");
            case 2: return ("\uFEFF" + Reorder(node, a).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", Expect.Same, "reordered, BOM");
            case 3:
            {
                var cut = valid.TrimEnd().Length - 1 - a % Math.Max(1, valid.TrimEnd().Length - 1);
                return (valid[..Math.Max(0, cut)], Expect.Bad, $"truncated at {cut}");
            }
            case 4:
            {
                var values = Values(node).Where(v => v.Parent is not null && !ignored.Any(i => v.GetPath().Contains("." + i, StringComparison.Ordinal))).ToArray();
                if (values.Length == 0) return ("", Expect.Bad, "empty");
                var target = values[a % values.Length];
                var kindNow = target.GetValueKind();
                JsonNode?[] replacements = [JsonValue.Create(7.5), JsonValue.Create("x"), JsonValue.Create(true), new JsonArray(), new JsonObject()];
                var replacement = replacements.Where(r => r!.GetValueKind() != kindNow && !(kindNow is JsonValueKind.True or JsonValueKind.False && r!.GetValueKind() is JsonValueKind.True or JsonValueKind.False)).ElementAt(b % 4);
                var at = target.GetPath();
                Replace(target, replacement);
                return (node.ToJsonString(), Expect.Bad, $"{at}: {kindNow} → {replacement!.GetValueKind()}");
            }
            case 5:
            {
                var states = Values(node).Where(v => v.Parent is JsonObject && enumKeys.Contains(v.GetPropertyName())).ToArray();
                if (states.Length == 0) return ("", Expect.Bad, "empty");
                var target = states[a % states.Length];
                var at = target.GetPath();
                Replace(target, JsonValue.Create(b % 2 == 0 ? "exploded" : "3")); // a made-up name, or a number as a name
                return (node.ToJsonString(), Expect.Bad, $"{at}: unknown enum name");
            }
            case 6:
            {
                var values = Values(node).Where(v => v.Parent is not null).ToArray();
                if (values.Length == 0) return ("null", Expect.Bad, "null document");
                var target = values[a % values.Length];
                var at = target.GetPath();
                Replace(target, null);
                return (node.ToJsonString(), Expect.Either, $"{at}: null");
            }
            case 7:
            {
                var objects = Values(node).OfType<JsonObject>().Where(o => o.Count > 0).ToArray();
                if (objects.Length == 0) return (valid, Expect.Same, "as written");
                var o = objects[a % objects.Length];
                var (key, value) = o.ElementAt(b % o.Count);
                var text = node.ToJsonString();
                var pair = $"{JsonSerializer.Serialize(key)}:{value?.ToJsonString() ?? "null"}";
                var i = text.IndexOf(pair, StringComparison.Ordinal);
                return (i < 0 ? text : text.Insert(i, pair + ","), Expect.Either, $"{o.GetPath()}.{key} twice");
            }
            case 8:
            {
                var bytes = Encoding.UTF8.GetBytes(valid);
                var random = new Random(a);
                for (var k = 0; k <= b % 4; k++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return (Encoding.UTF8.GetString(bytes), Expect.Either, "flipped bits");
            }
            case 9:
            {
                var garbage = new byte[a % 64];
                new Random(b).NextBytes(garbage);
                return (Encoding.Latin1.GetString(garbage), Expect.Either, "garbage");
            }
            case 10: return ("", Expect.Bad, "empty");
            default: return (valid.Replace("\n", "\r\n"), Expect.Same, "CRLF");
        }
    }

    /// <summary>Every node of the document, depth first (the root first).</summary>
    private static IEnumerable<JsonNode> Values(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(kv => kv.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is null) continue;
            foreach (var n in Values(child)) yield return n;
        }
    }

    private static void Replace(JsonNode target, JsonNode? replacement)
    {
        switch (target.Parent)
        {
            case JsonObject o: o[target.GetPropertyName()] = replacement; break;
            case JsonArray array: array[target.GetElementIndex()] = replacement; break;
        }
    }

    /// <summary>The document with every object's properties in a seeded random order.</summary>
    private static JsonNode Reorder(JsonNode node, int seed)
    {
        var random = new Random(seed);
        JsonNode? Copy(JsonNode? n) => n switch
        {
            JsonObject o => new JsonObject(o.ToArray().OrderBy(_ => random.Next()).Select(kv => KeyValuePair.Create(kv.Key, Copy(kv.Value)))),
            JsonArray array => new JsonArray(array.Select(Copy).ToArray()),
            null => null,
            _ => n.DeepClone(),
        };
        return Copy(node)!;
    }
}
