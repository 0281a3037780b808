using System.Globalization;
using System.Text.RegularExpressions;
using RepAlign.Core;

namespace RepAlign.Inference.Graphs;

/// <summary>The epoch (and, where the name gives it, the training step) a checkpoint file name stands for.</summary>
/// <param name="Epoch">The epoch, or null when the name gives none.</param>
/// <param name="Step">The optimiser step, or null when the name gives none.</param>
/// <param name="Rule">Which rule read it (<c>epoch=N</c>, <c>last number</c>, <c>--epoch-pattern</c>), for messages.</param>
public readonly record struct CheckpointTime(int? Epoch, long? Step, string Rule);

/// <summary>
/// Reads epochs and steps from checkpoint file names (extension removed). First the explicit forms, in any
/// letter case: <c>epoch=N</c>, <c>epoch-N</c>, <c>epoch_N</c>, <c>epochN</c>, <c>epN</c> (not inside a word,
/// so <c>step</c> is never read as <c>ep</c>), and the step <c>step=M</c> / <c>step-M</c> / <c>step_M</c> /
/// <c>stepM</c>; then, when no epoch is named, the last number that is not the step. PyTorch Lightning's
/// <c>epoch=3-step=423.onnx</c> is epoch 3, step 423; <c>ckpt_12.onnx</c> is epoch 12. A user pattern
/// replaces these rules: a regular expression searched in the file name, its group <c>epoch</c> (or its first
/// group) the epoch and its group <c>step</c>, when present, the step.
/// </summary>
public static partial class CheckpointName
{
    /// <summary>Reads <paramref name="fileName"/> by the built-in rules, or by <paramref name="pattern"/> when given.</summary>
    public static CheckpointTime Read(string fileName, Regex? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (pattern is not null) return ByPattern(fileName, pattern);
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var step = StepRule().Match(stem);
        long? stepValue = step.Success ? Number(step.Groups[1].Value) : null;
        var epoch = EpochRule().Match(stem);
        if (epoch.Success)
            return new CheckpointTime(Int(epoch.Groups[1].Value), stepValue, $"{epoch.Value.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')}N");
        var numbers = Digits().Matches(stem).Where(m => !step.Success || m.Index != step.Groups[1].Index).ToArray();
        return new CheckpointTime(numbers.Length == 0 ? null : Int(numbers[^1].Value), stepValue, "last number");
    }

    /// <summary>Parses a <c>--epoch-pattern</c>: a regular expression with a group <c>epoch</c> or at least one group; <see cref="BadInputException"/> otherwise.</summary>
    public static Regex Pattern(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Regex regex;
        try
        {
            regex = new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            return Throw.BadInput<Regex>($"--epoch-pattern {text}: not a regular expression ({e.Message}); expected e.g. 'run(?<epoch>[0-9]+)' or 'e(?<epoch>[0-9]+)_s(?<step>[0-9]+)'");
        }
        if (regex.GroupNumberFromName("epoch") < 0 && regex.GetGroupNumbers().Length < 2)
            Throw.BadValue($"--epoch-pattern {text}", "no group", "a group (?<epoch>[0-9]+) or a first group (…) that captures the epoch; (?<step>[0-9]+) for the step");
        return regex;
    }

    private static CheckpointTime ByPattern(string fileName, Regex pattern)
    {
        var m = pattern.Match(fileName);
        if (!m.Success) return new CheckpointTime(null, null, "--epoch-pattern");
        var epochGroup = m.Groups["epoch"].Success ? m.Groups["epoch"] : pattern.GroupNumberFromName("epoch") < 0 ? m.Groups[1] : null;
        var stepGroup = m.Groups["step"];
        int? epoch = epochGroup is { Success: true } ? Int(epochGroup.Value) : null;
        long? step = stepGroup.Success ? Number(stepGroup.Value) : null;
        if (epochGroup is { Success: true } && epoch is null)
            Throw.BadValue($"--epoch-pattern on {fileName}", $"epoch '{epochGroup.Value}'", "a whole number up to 2147483647");
        return new CheckpointTime(epoch, step, "--epoch-pattern");
    }

    private static int? Int(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? Number(string digits) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    [GeneratedRegex("(?<![A-Za-z])(?:epoch|ep)[=_-]?([0-9]+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex EpochRule();

    [GeneratedRegex("(?<![A-Za-z])step[=_-]?([0-9]+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex StepRule();

    [GeneratedRegex("[0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();
}
