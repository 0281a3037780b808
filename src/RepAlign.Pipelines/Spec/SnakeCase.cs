using System.Text;

namespace RepAlign.Pipelines.Spec;

/// <summary>snake_case names of enum values, as pipeline files and tables spell them.</summary>
public static class SnakeCase
{
    /// <summary>LeakyRelu → leaky_relu.</summary>
    public static string Of<T>(T value) where T : struct, Enum => Of(value.ToString());

    /// <summary>PascalCase → snake_case.</summary>
    public static string Of(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(pascal[i]));
        }
        return sb.ToString();
    }

    /// <summary>Every value's snake_case name.</summary>
    public static string[] Names<T>() where T : struct, Enum => Enum.GetValues<T>().Select(v => Of(v)).ToArray();

    /// <summary>Parses a snake_case name; null when it names no value.</summary>
    public static T? Parse<T>(string text) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
        {
            if (Of(v) == text) return v;
        }
        return null;
    }
}

/// <summary>Edit distance, for "did you mean …?" suggestions.</summary>
public static class Suggest
{
    /// <summary>The candidate nearest to <paramref name="text"/>, or null when none is reasonably close.</summary>
    public static string? Nearest(string text, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Levenshtein(text, c);
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return best is not null && bestDistance <= Math.Max(2, text.Length / 3) ? best : null;
    }

    /// <summary>" (did you mean X?)" or an empty string.</summary>
    public static string DidYouMean(string text, IEnumerable<string> candidates) =>
        Nearest(text, candidates) is { } n ? $"; did you mean '{n}'?" : "";

    private static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
