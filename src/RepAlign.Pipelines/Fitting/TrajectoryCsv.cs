using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Tables;
using RepAlign.Theory;

namespace RepAlign.Pipelines.Fitting;

/// <summary>Reads a trajectory CSV produced by anything: columns epoch,h2,y2,w and optionally loss,ybar0 (any order, header required).</summary>
public static class TrajectoryCsv
{
    private static readonly string[] Required = ["epoch", "h2", "y2", "w"];

    /// <summary>Reads and validates (quoting, a BOM and CRLF handled by <see cref="UserCsv"/>); bad input names the file, line and column.</summary>
    public static Trajectory Read(string path)
    {
        const string expected = "a CSV with a header line and columns epoch,h2,y2,w[,loss,ybar0]";
        var table = UserCsv.Read(path, expected);
        var names = table.Columns;
        foreach (var r in Required)
        {
            if (!names.Contains(r)) Throw.BadInput($"{path}:{table.HeaderLine}: missing column '{r}' (found columns: {string.Join(",", names)}; expected epoch,h2,y2,w and optionally loss,ybar0)");
        }
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Key.Length > 0 && g.Count() > 1);
        if (duplicate is not null) Throw.BadInput($"{path}:{table.HeaderLine}: column '{duplicate.Key}' appears {duplicate.Count()} times, expected each column once");
        var (iE, iH, iY, iW, iL, iB) = (table.IndexOf("epoch"), table.IndexOf("h2"), table.IndexOf("y2"), table.IndexOf("w"), table.IndexOf("loss"), table.IndexOf("ybar0"));
        var epoch = new List<double>(); var h = new List<double>(); var y = new List<double>(); var w = new List<double>();
        var loss = new List<double>(); var ybar = new List<double>();
        foreach (var row in table.Rows)
        {
            var cells = row.Cells;
            if (cells.Count != names.Count)
                Throw.BadInput($"{path}:{row.Line}: found {cells.Count} cells, expected {names.Count} (one per header column)");
            double Cell(int i) =>
                double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                    ? v
                    : Throw.BadInput<double>($"{path}:{row.Line}: column '{names[i]}': found '{cells[i]}', expected a number");
            var e = Cell(iE);
            if (!double.IsFinite(e)) Throw.BadInput($"{path}:{row.Line}: column 'epoch': found {e}, expected a finite epoch number");
            if (epoch.Count > 0 && e <= epoch[^1])
                Throw.BadInput($"{path}:{row.Line}: column 'epoch': found {e} after {epoch[^1]}, expected strictly increasing epochs (unsorted or repeated)");
            epoch.Add(e); h.Add(Cell(iH)); y.Add(Cell(iY)); w.Add(Cell(iW));
            if (iL >= 0) loss.Add(Cell(iL));
            if (iB >= 0) ybar.Add(Cell(iB));
        }
        if (epoch.Count == 0) Throw.BadInput($"{path}: no data rows after the header, expected one row per epoch");
        return new Trajectory(epoch.ToArray(), h.ToArray(), y.ToArray(), w.ToArray(),
            iL >= 0 ? loss.ToArray() : null, iB >= 0 ? ybar.ToArray() : null);
    }
}
