using Microsoft.FSharp.Collections;
using RepAlign.Reproduction;
using Xunit;

namespace RepAlign.Tests.Reproduction;

/// <summary>Seeds.combine: the rows of several seeds of <c>reproduce --seeds</c> as one row per quantity.</summary>
public class SeedsTests
{
    private static Evidence.ReproductionRow Row(string quantity, double value, string verdict, string note = "") =>
        new() { Experiment = "depth", Quantity = quantity, Value = value, PaperValue = "> 0", Verdict = verdict, Note = note };

    private static FSharpList<Evidence.ReproductionRow> Rows(params Evidence.ReproductionRow[] rows) => ListModule.OfArray(rows);

    private static List<Evidence.ReproductionRow> Combine(params FSharpList<Evidence.ReproductionRow>[] seeds) =>
        Seeds.combine(ListModule.OfArray(seeds)).ToList();

    [Fact]
    public void Three_seeds_give_mean_sd_seeds_and_seeds_disagree_where_verdicts_differ()
    {
        var rows = Combine(
            Rows(Row("rho", 0.5, "agrees", "seed 0's note"), Row("layer", 10, "agrees"), Row("only seed 0", 4, "no reference")),
            Rows(Row("rho", 0.7, "agrees", "seed 1's note"), Row("layer", 13, "differs")),
            Rows(Row("rho", 0.9, "agrees"), Row("layer", 11, "agrees")));

        Assert.Equal(["rho", "layer", "only seed 0"], rows.Select(r => r.Quantity));
        var rho = rows[0];
        Assert.Equal(0.7, rho.Value, 12);
        Assert.Equal(0.2, rho.Sd, 12);
        Assert.Equal(3, rho.Seeds);
        Assert.Equal("agrees", rho.Verdict);
        Assert.Equal("seed 0's note", rho.Note);
        Assert.Equal("> 0", rho.PaperValue);

        var layer = rows[1];
        Assert.Equal(34.0 / 3, layer.Value, 12);
        Assert.Equal(Math.Sqrt(((10 - 34.0 / 3) * (10 - 34.0 / 3) + (13 - 34.0 / 3) * (13 - 34.0 / 3) + (11 - 34.0 / 3) * (11 - 34.0 / 3)) / 2), layer.Sd, 12);
        Assert.Equal(Evidence.Verdict.seedsDisagree, layer.Verdict);
        Assert.Equal("seeds disagree", layer.Verdict);

        var only = rows[2]; // present in one seed: combined over that one
        Assert.Equal((4.0, 1, "no reference"), (only.Value, only.Seeds, only.Verdict));
        Assert.True(double.IsNaN(only.Sd));
    }

    [Fact]
    public void A_seed_that_could_not_measure_makes_the_seeds_disagree_and_the_mean_skips_it()
    {
        var rows = Combine(Rows(Row("rho", 0.5, "agrees")), Rows(Row("rho", double.NaN, "not measured")));
        Assert.Equal((0.5, 2, "seeds disagree"), (rows[0].Value, rows[0].Seeds, rows[0].Verdict));
    }

    [Fact]
    public void One_seed_keeps_every_row_as_it_is()
    {
        var seed0 = Rows(Row("rho", 0.5, "agrees", "note"), Row("fit", double.NaN, "not measured"), Row("inf", double.PositiveInfinity, "differs"));
        var rows = Combine(seed0);
        Assert.Equal(seed0.Select(r => (r.Experiment, r.Quantity, r.Value, r.PaperValue, r.Verdict, r.Note)),
            rows.Select(r => (r.Experiment, r.Quantity, r.Value, r.PaperValue, r.Verdict, r.Note)));
        Assert.All(rows, r => Assert.Equal(1, r.Seeds));
        Assert.All(rows, r => Assert.True(double.IsNaN(r.Sd)));
        Assert.Equal(["experiment", "quantity", "value", "paper_value", "verdict", "note", "sd", "seeds"], Core.Tables.TableFile.ColumnNames<Evidence.ReproductionRow>());
    }

    [Fact]
    public void The_page_shows_mean_plus_minus_sd_and_the_number_of_seeds()
    {
        var rows = Combine(Rows(Row("rho", 0.5, "agrees")), Rows(Row("rho", 0.7, "agrees")));
        Assert.Equal("0.6 ± 0.1414 (2 seeds)", Seeds.show(rows[0]));
        Assert.Equal("0.5", Seeds.show(Combine(Rows(Row("rho", 0.5, "agrees")))[0]));
    }
}
