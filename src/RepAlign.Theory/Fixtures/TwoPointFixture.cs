using System.Text.Json;
using RepAlign.Core;

namespace RepAlign.Theory;

/// <summary>The reference fit stored with a fixture (SciPy Radau + grid + BFGS).</summary>
/// <param name="EtaH">Reference η_h.</param>
/// <param name="EtaY">Reference η_y.</param>
/// <param name="FitLoss">Reference objective S (docs/theory.md §2).</param>
/// <param name="FitSeconds">Reference wall-clock seconds.</param>
/// <param name="EtaYbar">Reference η_ybar.</param>
public sealed record ReferenceFit(double EtaH, double EtaY, double FitLoss, double FitSeconds, double EtaYbar);

/// <summary>
/// A two-point fixture (fixtures/README.md): dx2, dy2, the trajectory rows [h2, y2, w, loss, ybar0]
/// for epochs 0..T−1 and the reference fit. dx2/dy2 are read from a <c>setting</c> object when
/// present, else from the top level.
/// </summary>
/// <param name="Name">Setting name.</param>
/// <param name="Dx2">‖x2 − x1‖².</param>
/// <param name="Dy2">‖y2* − y1*‖².</param>
/// <param name="Trajectory">The recorded trajectory.</param>
/// <param name="Reference">The reference fit.</param>
public sealed record TwoPointFixture(string Name, double Dx2, double Dy2, Trajectory Trajectory, ReferenceFit Reference)
{
    /// <summary>Reads a fixture file.</summary>
    /// <param name="path">Path to the JSON file.</param>
    /// <returns>The fixture.</returns>
    /// <exception cref="BadInputException">A field is missing or a row is not [h2, y2, w, loss, ybar0] (the message names the file).</exception>
    public static TwoPointFixture Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var setting = root.TryGetProperty("setting", out var s) ? s : root;
        string name = setting.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
        double dx2 = Number(setting, "dx2", path);
        double dy2 = Number(setting, "dy2", path);
        if (!root.TryGetProperty("trajectory", out var rows) || rows.ValueKind != JsonValueKind.Array)
        {
            Throw.BadInput($"{path}: no 'trajectory' array; expected rows [h2, y2, w, loss, ybar0].");
        }

        int count = rows.GetArrayLength();
        var epoch = new double[count];
        var h = new double[count];
        var y = new double[count];
        var w = new double[count];
        var loss = new double[count];
        var ybar0 = new double[count];
        int i = 0;
        foreach (var row in rows.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != 5)
            {
                Throw.BadInput($"{path}: trajectory row {i} is {row.ValueKind} of length {(row.ValueKind == JsonValueKind.Array ? row.GetArrayLength() : 0)}; expected [h2, y2, w, loss, ybar0].");
            }

            epoch[i] = i;
            h[i] = row[0].GetDouble();
            y[i] = row[1].GetDouble();
            w[i] = row[2].GetDouble();
            loss[i] = row[3].GetDouble();
            ybar0[i] = row[4].GetDouble();
            i++;
        }

        if (!root.TryGetProperty("reference_fit", out var fit))
        {
            Throw.BadInput($"{path}: no 'reference_fit' object.");
        }

        var reference = new ReferenceFit(
            Number(fit, "eta_h", path), Number(fit, "eta_y", path), Number(fit, "fit_loss", path),
            Number(fit, "fit_seconds", path), Number(fit, "eta_ybar", path));
        return new TwoPointFixture(name, dx2, dy2, new Trajectory(epoch, h, y, w, loss, ybar0), reference);
    }

    private static double Number(JsonElement element, string field, string path)
    {
        if (!element.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            Throw.BadInput($"{path}: field '{field}' is missing or not a number.");
        }

        return value.GetDouble();
    }
}
