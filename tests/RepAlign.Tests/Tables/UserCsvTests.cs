using System.Text;
using RepAlign.Core;
using RepAlign.Core.Tables;
using Xunit;

namespace RepAlign.Tests.Tables;

/// <summary>The one reader of users' CSV files: whole, streamed and header-only reads agree on lines and cells.</summary>
public class UserCsvTests
{
    // BOM, CRLF, leading and inner blank lines, a quoted cell holding a separator and a line break.
    private const string Text = "\uFEFF\r\n Epoch , H2,\"note\"\r\n0,1.5,\"a,b\"\r\n\r\n1,2.5,\"two\r\nlines\"\r\n2,3.5,plain\r\n";

    [Fact]
    public void Streamed_and_whole_reads_give_the_same_lines_and_cells()
    {
        using var scratch = new ScratchFolder();
        var path = scratch.File("t.csv");
        File.WriteAllText(path, Text, new UTF8Encoding(false));

        var table = UserCsv.Read(path, "a test table");
        Assert.Equal(2, table.HeaderLine);
        Assert.Equal(["epoch", "h2", "note"], table.Columns);
        Assert.Equal([3, 5, 7], table.Rows.Select(r => r.Line));
        Assert.Equal(["1", "2.5", "two\r\nlines"], table.Rows[1].Cells);

        var streamed = new List<(int Line, string[] Cells)>();
        var header = UserCsv.ForEachRow(path, "a test table", h =>
        {
            Assert.Equal(table.Columns, h.Columns);
            return (line, row) =>
            {
                var cells = new string[row.ColCount];
                for (var i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
                streamed.Add((line, cells));
            };
        });
        Assert.Equal(table.HeaderLine, header.Line);
        Assert.Equal(table.Rows.Select(r => (r.Line, string.Join("|", r.Cells))), streamed.Select(r => (r.Line, string.Join("|", r.Cells))));

        var only = UserCsv.ReadHeader(path, "a test table");
        Assert.Equal(table.HeaderLine, only.Line);
        Assert.Equal(table.Columns, only.Columns);
    }

    [Fact]
    public void An_empty_or_missing_file_is_bad_input_naming_it()
    {
        using var scratch = new ScratchFolder();
        var empty = scratch.File("empty.csv");
        File.WriteAllText(empty, "\n  \n");
        var e = Assert.Throws<BadInputException>(() => UserCsv.ReadHeader(empty, "a test table"));
        Assert.StartsWith(empty + ":1: empty file", e.Message);
        var missing = scratch.File("missing.csv");
        Assert.StartsWith(missing + ": file not found", Assert.Throws<BadInputException>(() => UserCsv.Read(missing, "a test table")).Message);
    }

    [Fact]
    public void An_error_inside_a_row_action_reaches_the_caller_unchanged()
    {
        using var scratch = new ScratchFolder();
        var path = scratch.File("t.csv");
        File.WriteAllText(path, "a,b\n1,2\n3,x\n");
        var e = Assert.Throws<BadInputException>(() => UserCsv.ForEachRow(path, "numbers", header => (line, row) =>
        {
            if (!int.TryParse(row[1].Span, out var _)) Throw.BadInput($"{path}:{line}: column 'b': found '{row[1].ToString()}', expected a number");
        }));
        Assert.Equal($"{path}:3: column 'b': found 'x', expected a number", e.Message);
    }
}
