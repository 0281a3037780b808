using System.Text;
using CsCheck;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Tests.Fuzz;

/// <summary>Generated pipeline files (mutations of the shipped ones) and --set values: a resolved spec or bad input naming the file or the setting.</summary>
public class PipelineFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] Shipped =
        Directory.GetFiles(TestPaths.Repo("pipelines"), "*.toml").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();

    private static readonly string[] Tokens =
        ["=", "[", "]", "[[", "]]", "\"", "'", "#", "\n", ".", ",", "{", "}", "0", "-1", "1e400", "nan", "inf", "true", "\"\"", "[]",
         "model.width", "[sweep]", "[[variants]]", "name = \"v\"", "\"model.depth\" = [1, 2]", "train.epochs = 0", "x = 1", "\uFEFF", "\r\n", "é", "\\u00"];

    /// <summary>A shipped pipeline with a few edits: spans deleted, tokens inserted, lines duplicated or swapped.</summary>
    private static readonly Gen<string> MutatedToml =
        Gen.Select(Gen.Int[0, Shipped.Length - 1], Gen.Select(Gen.Int[0, 3], Gen.Double[0, 1], Gen.Int[0, 40], Gen.Int[0, Tokens.Length - 1]).Array[0, 4],
            (file, edits) =>
            {
                var text = new StringBuilder(Shipped[file]);
                foreach (var (op, at, length, token) in edits)
                {
                    var i = (int)(at * text.Length);
                    switch (op)
                    {
                        case 0: text.Remove(i, Math.Min(length, text.Length - i)); break;
                        case 1: text.Insert(i, Tokens[token]); break;
                        case 2:
                        {
                            var lines = text.ToString().Split('\n').ToList();
                            var k = Math.Min((int)(at * lines.Count), lines.Count - 1);
                            lines.Insert(k, lines[k]);
                            text = new StringBuilder(string.Join('\n', lines));
                            break;
                        }
                        default:
                        {
                            var lines = text.ToString().Split('\n');
                            var k = Math.Min((int)(at * lines.Length), lines.Length - 1);
                            var j = Math.Min(length % lines.Length, lines.Length - 1);
                            (lines[k], lines[j]) = (lines[j], lines[k]);
                            text = new StringBuilder(string.Join('\n', lines));
                            break;
                        }
                    }
                }
                return text.ToString();
            });

    /// <summary>What `repalign run` does with a pipeline before any stage: load, then validate the base or expand the sweep.</summary>
    private static void Resolve(string path, IReadOnlyList<string> overrides)
    {
        var document = PipelineFile.LoadDocument(path, overrides);
        if (document.IsSweep) document.Expand(path);
        else PipelineFile.Validate(document.Base, path);
    }

    [Fact]
    public void MutatedPipelineFilesResolveOrAreBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        long n = 0;
        FuzzCheck.Run("pipeline TOML", MutatedToml, text =>
        {
            var path = scratch.File($"pipeline-{Interlocked.Increment(ref n)}.toml");
            File.WriteAllText(path, text);
            tally.Add(FuzzCheck.ExitCode(() => Resolve(path, []), path));
            File.Delete(path);
        }, output.WriteLine);
        output.WriteLine(tally.AssertSeen(FuzzCheck.Cases, 50, 200));
    }

    private static readonly string[] Values =
        ["1", "0", "-1", "64", "1e308", "1e400", "-1e400", "nan", "inf", "NaN", "0.5", "2147483648", "true", "false", "\"x\"", "x", "",
         "[1, 2]", "[]", "[0]", "\"all\"", "all", "random:5", "per-class-pair:0", "sgd", "adam", "tanh", "every", "log", "cpu", "cuda", "[", "\"", "é", " 3 "];

    private static readonly Gen<string> Override = Gen.Frequency(
        (8, Gen.Select(Gen.OneOfConst(PipelineKeys.All.Keys.ToArray()), Gen.OneOfConst(Values), (k, v) => $"{k}={v}")),
        (1, Gen.Select(Gen.OneOfConst("model.widht", "model", "foo.bar", "", "=", "model.width", "model.width==3", ".x"), Gen.OneOfConst(Values), (k, v) => $"{k}={v}")),
        (1, Gen.OneOfConst("model.width", "noequals", "", " ")));

    [Fact]
    public void SetValuesResolveOrAreBadInputNamingTheSetting()
    {
        var pipeline = TestPaths.Repo("pipelines", "two-points.toml");
        var tally = new FuzzCheck.Tally();
        FuzzCheck.Run("--set values", Override.Array[1, 3], overrides =>
        {
            // The message names the --set text, the key, or the pipeline file (checks that span several keys).
            var names = overrides.SelectMany(o => new[] { o, o.Split('=')[0] }).Where(s => s.Length > 0).Append("--set").Append(pipeline).ToArray();
            tally.Add(FuzzCheck.ExitCode(() => Resolve(pipeline, overrides), names));
        }, output.WriteLine);
        output.WriteLine(tally.AssertSeen(FuzzCheck.Cases, 20, 200));
    }
}
