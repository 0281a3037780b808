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
