using Parquet.Serialization;
using RepAlign.Core;
using RepAlign.Core.Tables;

namespace RepAlign.Tests.Inference.Bulk;

public class ParquetGroupsTests
{
    /// <summary>A row type whose file is written with nullable columns (as another writer might).</summary>
    public sealed class NullableRow
    {
        public int? Pair { get; set; }
        public double? H2 { get; set; }
        public string? Regime { get; set; }
    }

    public sealed class PlainRow
    {
        public int Pair { get; set; }
        public double H2 { get; set; }
        public string Regime { get; set; } = "";
    }

    [Fact]
    public async Task Columnar_groups_equal_the_serialiser_group_by_group()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("pairs.parquet");
        var random = new Random(7);
        using (var stream = ParquetStream<PairRow>.Create(path))
        {
            foreach (var size in new[] { 5, 1, 64 })
                stream.AppendRowGroup(Enumerable.Range(0, size).Select(i => new PairRow
                {
                    Epoch = size, Layer = i % 4, Pair = i, A = i, B = 2 * i, LabelA = i % 10, LabelB = 9 - i % 10, Step = 3L * i,
                    Dx2 = random.NextDouble(), Dy2 = double.NaN, H2 = double.PositiveInfinity, Y2 = -random.NextDouble(), W = random.NextDouble(),
                }).ToArray());
            stream.Complete();
        }

        var groups = ParquetGroups.Read<PairRow>(path).ToArray();
        Assert.Equal([5, 1, 64], groups.Select(g => g.Count));
        for (var g = 0; g < groups.Length; g++)
        {
            await using var file = File.OpenRead(path);
            var expected = (await ParquetSerializer.DeserializeAsync<PairRow>(file, null, g)).Data;
            Assert.Equal(Describe(expected), Describe(groups[g]));
        }
    }

    [Fact]
    public async Task Nullable_value_columns_are_refused_as_the_serialiser_refuses_them_naming_the_file()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("nullable.parquet");
        NullableRow[] rows = [new() { Pair = 1, H2 = 0.5, Regime = "rich" }, new() { Pair = null, H2 = null, Regime = null }];
        await using (var file = File.Create(path)) await ParquetSerializer.SerializeAsync(rows, file);

        // A null pair index must not become pair 0: the columnar path takes required columns only, and the serialiser refuses.
        var error = Assert.Throws<BadInputException>(() => ParquetGroups.Read<PlainRow>(path).ToArray());
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Pair", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_parquet_names_the_file()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("broken.parquet");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var error = Assert.Throws<BadInputException>(() => ParquetGroups.Read<PairRow>(path).ToArray());
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private static string[] Describe(IEnumerable<PairRow> rows) => rows.Select(r =>
        FormattableString.Invariant($"{r.Epoch} {r.Layer} {r.Pair} {r.A} {r.B} {r.LabelA} {r.LabelB} {r.Step} {r.Dx2:R} {r.Dy2:R} {r.H2:R} {r.Y2:R} {r.W:R}")).ToArray();
}
