namespace RepAlign.Core;

/// <summary>Edit distance between names, for "did you mean …?" and "candidates: …" in error messages.</summary>
public static class Suggest
{
    /// <summary>The candidate nearest to <paramref name="text"/>, or null when none is reasonably close.</summary>
    public static string? Nearest(string text, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(text, c);
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return best is not null && bestDistance <= Math.Max(2, text.Length / 3) ? best : null;
    }

    /// <summary>"; did you mean 'X'?" or an empty string.</summary>
    public static string DidYouMean(string text, IEnumerable<string> candidates) =>
        Nearest(text, candidates) is { } n ? $"; did you mean '{n}'?" : "";

    /// <summary>The candidates nearest first (ties keep their order), at most <paramref name="max"/>, formatted for a message.</summary>
    public static string NearestFirst(string text, IEnumerable<string> candidates, int max = 30)
    {
        var ordered = candidates.Distinct().Select((c, i) => (c, i, d: Distance(text, c)))
            .OrderBy(t => t.d).ThenBy(t => t.i).Select(t => t.c).ToList();
        if (ordered.Count == 0) return "(none)";
        var shown = string.Join(", ", ordered.Take(max));
        return ordered.Count > max ? $"{shown}, … ({ordered.Count - max} more)" : shown;
    }

    /// <summary>Levenshtein distance, case-insensitive.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
