using System.Reflection;
using System.Text;
using RepAlign.Core;

namespace RepAlign.Pipelines.Cluster;

/// <summary>How <c>--executor slurm</c> submits: the user's sbatch options, the number of shards and the command the jobs run.</summary>
public sealed record SlurmSettings
{
    /// <summary>sbatch options from every --slurm-opt, split into words (quotes group words); they come after RepAlign's own, so they win.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>Array tasks a single MNIST run's extraction and fitting are split into (by checkpoint range and by pair range).</summary>
    public int Shards { get; init; } = 4;

    /// <summary>The repalign command the job scripts run (program and leading arguments); default: this process's own.</summary>
    public IReadOnlyList<string> Command { get; init; } = DefaultCommand();

    /// <summary>The jobs' working directory (relative data paths are taken from it); default: the current directory.</summary>
    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>The command that started this process: the repalign apphost, or dotnet exec repalign.dll.</summary>
    public static IReadOnlyList<string> DefaultCommand()
    {
        var process = Environment.ProcessPath ?? "repalign";
        if (Path.GetFileNameWithoutExtension(process) == "dotnet" && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } dll)
            return [process, "exec", dll];
        return [process];
    }

    /// <summary>Splits --slurm-opt values into sbatch arguments: whitespace separates words, single or double quotes group them.</summary>
    public static IReadOnlyList<string> Split(IEnumerable<string> values)
    {
        var words = new List<string>();
        foreach (var value in values)
        {
            var word = new StringBuilder();
            var inWord = false;
            char? quote = null;
            foreach (var c in value)
            {
                if (quote is { } q)
                {
                    if (c == q) quote = null; else word.Append(c);
                }
                else if (c is '"' or '\'') { quote = c; inWord = true; }
                else if (char.IsWhiteSpace(c))
                {
                    if (inWord) words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
                else { word.Append(c); inWord = true; }
            }
            if (quote is not null) Throw.BadValue("--slurm-opt", $"'{value}' (an unclosed {quote} quote)", "sbatch options, e.g. \"--partition=cpu --time=02:00:00\"");
            if (inWord) words.Add(word.ToString());
        }
        return words;
    }
}
