using System.Buffers.Binary;
using RepAlign.Core;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Tests.Cli;
using RepAlign.Tests.Fuzz;
using Xunit.Abstractions;

namespace RepAlign.Tests.Tables;

/// <summary>
/// Damaged Parquet footers are bad input naming the file, never a reader that does not return (docs/design.md,
/// <i>Output and errors</i>). Parquet.Net 6.1 alone spins forever on the 15-byte file below and on five of the eight
/// single-bit flips of a footer's last byte.
/// </summary>
public class ParquetFooterTests(ITestOutputHelper output)
{
    /// <summary>A long-table row: what <c>repalign fit --trajectory</c> reads.</summary>
    public sealed class LongRow
    {
        public int Pair { get; set; }
        public int Layer { get; set; }
        public int Epoch { get; set; }
        public double H2 { get; set; }
        public double Y2 { get; set; }
        public double W { get; set; }
    }

    /// <summary>Generous: each read here takes milliseconds; only a reader that never returns reaches it.</summary>
    private static readonly TimeSpan Hung = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="act"/> on its own thread and fails, instead of hanging the suite, when it does not return.</summary>
    private static T Returns<T>(string what, Func<T> act)
    {
        var task = Task.Factory.StartNew(act, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(Hung), $"{what}: did not return within {Hung.TotalSeconds} s");
        return task.Result;
    }

    /// <summary>'PAR1', a footer of three bytes (an i32 field whose varint runs off the end), its length, 'PAR1'.</summary>
    private static byte[] RunawayVarint()
    {
        var bytes = new byte[15];
        "PAR1"u8.CopyTo(bytes);
        bytes[4] = 0x15;
        bytes[5] = 0xFF;
        bytes[6] = 0xFF;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(7), 3);
        "PAR1"u8.CopyTo(bytes.AsSpan(11));
        return bytes;
    }

    private static byte[] SmallTable(ScratchFolder dir)
    {
        var path = dir.File("good.parquet");
        var rows = Enumerable.Range(0, 24).Select(i => new LongRow
        {
            Pair = i / 6 % 2, Layer = i / 12, Epoch = i % 6, H2 = 1 + 0.1 * i, Y2 = 0.5 + 0.01 * i, W = 0.2 + 0.02 * i,
        }).ToArray();
        TableFile.Write(rows, path, csv: false);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void A_footer_whose_varint_runs_past_its_end_is_bad_input_and_fit_writes_nothing()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("runaway.parquet");
        File.WriteAllBytes(path, RunawayVarint());
        var outDir = dir.File("out");

        var (code, err) = Returns("repalign fit", () => CliRunner.Run("fit", "--trajectory", path, "--dx2", "0.5", "--dy2", "0.25", "--out", outDir));

        Assert.True(code == 2, $"exit {code}: {err}");
        Assert.Contains(path, err);
        Assert.Contains("damaged footer", err);
        Assert.Contains("runs past its 3 bytes", err);
        Assert.False(Directory.Exists(outDir), "exit 2 left an output folder");
    }

    [Fact]
    public void Every_single_bit_flip_of_a_footer_is_read_or_bad_input_naming_the_file_by_every_reader()
    {
        using var dir = new ScratchFolder();
        var good = SmallTable(dir);
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(good.AsSpan(good.Length - 8));
        var footerStart = good.Length - 8 - footerLength;
        var path = dir.File("flipped.parquet");
        // The readers every command reaches: TrajectoryTable (fit --trajectory), ParquetGroups (streaming stages), TableFile.
        (string Name, Action<string> Read)[] readers =
        [
            ("TrajectoryTable.Read", p => TrajectoryTable.Read(p, 0.5, 0.25)),
            ("ParquetGroups.Read", p => ParquetGroups.Read<LongRow>(p).ToArray()),
            ("TableFile.Read", p => TableFile.Read<LongRow>(p)),
        ];
        var codes = new Dictionary<int, int> { [0] = 0, [2] = 0 };
        for (var at = footerStart; at < good.Length - 8; at++)
        for (var bit = 0; bit < 8; bit++)
        {
            var bytes = (byte[])good.Clone();
            bytes[at] ^= (byte)(1 << bit);
            File.WriteAllBytes(path, bytes);
            foreach (var (name, read) in readers)
            {
                var code = Returns($"{name}, byte {at} bit {bit}", () => FuzzCheck.ExitCode(() => read(path), path));
                codes[code]++;
            }
        }
        output.WriteLine($"footer bytes {footerStart}..{good.Length - 9} of {good.Length}: {codes[0]} reads, {codes[2]} bad input");
        // Both outcomes occur: the loop compared something, and flips the library tolerates (a changed statistic) stay readable.
        Assert.True(codes[0] > 0 && codes[2] > 0, $"{codes[0]} reads, {codes[2]} bad input");
        // The last byte of the footer ends its structure: every flip there must be refused.
        var last = good.Length - 9;
        for (var bit = 0; bit < 8; bit++)
        {
            var bytes = (byte[])good.Clone();
            bytes[last] ^= (byte)(1 << bit);
            File.WriteAllBytes(path, bytes);
            Assert.Equal(2, Returns($"byte {last} bit {bit}", () => FuzzCheck.ExitCode(() => TableFile.Read<LongRow>(path), path)));
        }
    }

    [Theory]
    [InlineData("too short", "too short for a Parquet file")]
    [InlineData("no head magic", "does not start with 'PAR1'")]
    [InlineData("no tail magic", "does not end with 'PAR1'")]
    [InlineData("footer longer than the file", "does not fit in the file's")]
    [InlineData("negative footer length", "does not fit in the file's")]
    public void A_damaged_frame_is_bad_input_saying_what_was_found(string damage, string expected)
    {
        using var dir = new ScratchFolder();
        var bytes = SmallTable(dir);
        switch (damage)
        {
            case "too short": bytes = bytes[..11]; break;
            case "no head magic": bytes[0] = (byte)'Q'; break;
            case "no tail magic": bytes = bytes[..^1]; break;
            case "footer longer than the file": BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(bytes.Length - 8), bytes.Length - 11); break;
            case "negative footer length": BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(bytes.Length - 8), -5); break;
        }
        var path = dir.File("damaged.parquet");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<BadInputException>(() => ParquetGroups.Describe(path));

        Assert.StartsWith(path + ":", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void An_intact_table_passes_the_check_and_reads_back_as_written()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("good.parquet");
        File.WriteAllBytes(path, SmallTable(dir));

        using (var stream = File.OpenRead(path)) ParquetFooter.Check(stream, path);
        var trajectories = TrajectoryTable.Read(path, 0.5, 0.25);

        Assert.Equal(4, trajectories.Count);
        Assert.All(trajectories, t => Assert.Equal(new double[] { 0, 1, 2, 3, 4, 5 }, t.Trajectory.Epoch));
    }
}
