using System.Globalization;
using RepAlign.Core;
using RepAlign.Theory;

namespace RepAlign.Pipelines.Fitting;

/// <summary>Reads a trajectory CSV produced by anything: columns epoch,h2,y2,w and optionally loss,ybar0 (any order, header required).</summary>
public static class TrajectoryCsv
{
    private static readonly string[] Required = ["epoch", "h2", "y2", "w"];

    /// <summary>Reads and validates; bad input names the file, line and column.</summary>
    public static Trajectory Read(string path)
    {
        if (!File.Exists(path)) Throw.BadInput($"{path}: file not found, expected a CSV with columns epoch,h2,y2,w[,loss,ybar0]");
        using var reader = new StreamReader(path);
        var header = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(header)) Throw.BadInput($"{path}:1: empty file, expected a header line with columns epoch,h2,y2,w[,loss,ybar0]");
        var names = header.Split(',').Select(h => h.Trim().Trim('"').ToLowerInvariant()).ToArray();
        foreach (var r in Required)
        {
            if (!names.Contains(r)) Throw.BadInput($"{path}:1: missing column '{r}' (found columns: {string.Join(",", names)}; expected epoch,h2,y2,w and optionally loss,ybar0)");
        }
        int Col(string n) => Array.IndexOf(names, n);
        var (iE, iH, iY, iW, iL, iB) = (Col("epoch"), Col("h2"), Col("y2"), Col("w"), Col("loss"), Col("ybar0"));
        var epoch = new List<double>(); var h = new List<double>(); var y = new List<double>(); var w = new List<double>();
        var loss = new List<double>(); var ybar = new List<double>();
        var lineNo = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != names.Length)
                Throw.BadInput($"{path}:{lineNo}: found {cells.Length} cells, expected {names.Length} (one per header column)");
            double Cell(int i) =>
                double.TryParse(cells[i].Trim().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                    ? v
                    : Throw.BadInput<double>($"{path}:{lineNo}: column '{names[i]}': found '{cells[i]}', expected a number");
            var e = Cell(iE);
            if (epoch.Count > 0 && e <= epoch[^1])
                Throw.BadInput($"{path}:{lineNo}: column 'epoch': found {e} after {epoch[^1]}, expected strictly increasing epochs (unsorted or repeated)");
            epoch.Add(e); h.Add(Cell(iH)); y.Add(Cell(iY)); w.Add(Cell(iW));
            if (iL >= 0) loss.Add(Cell(iL));
            if (iB >= 0) ybar.Add(Cell(iB));
        }
        if (epoch.Count == 0) Throw.BadInput($"{path}: no data rows after the header, expected one row per epoch");
        return new Trajectory(epoch.ToArray(), h.ToArray(), y.ToArray(), w.ToArray(),
            iL >= 0 ? loss.ToArray() : null, iB >= 0 ? ybar.ToArray() : null);
    }
}
