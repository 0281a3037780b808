using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using RepAlign.Core.Specs;
using RepAlign.Inference.Graphs;
using RepAlign.Pipelines.Reanalysis;
using RepAlign.Tests.Pipelines;
using Xunit.Abstractions;
using static RepAlign.Tests.Fuzz.PickleWriter.Code;

namespace RepAlign.Tests.Fuzz;

/// <summary>
/// Generated PyTorch weight files (truncated, flipped bytes, wrong dtypes and shapes, corrupt safetensors headers,
/// pickles of unexpected types and globals), each checked the way reanalysis checks its folder before anything is
/// written (<see cref="CheckpointSource.Import"/>): read and bound (exit 0), or bad input naming the file (exit 2),
/// and nothing written beside it. Seeded: the seed is printed, REPALIGN_TEST_SEED=N replays it.
/// </summary>
[Collection("pytorch weights")]
public class PyTorchFuzzTests(PyTorchWeightsCorpus corpus, ITestOutputHelper output)
{
    private static readonly ModelSpec Model = new() { Width = 64, Depth = 3 };
    private static readonly long[][] Shapes = [[64, 784], [64], [64, 64], [64], [64, 64], [64], [10, 64], [10]]; // layers.K.weight/bias; storage key = index

    private static readonly string[] Storages = ["FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage", "UntypedStorage", "NoSuchStorage"];

    private static readonly (string Module, string Name)[] Globals =
    [
        ("posix", "system"), ("os", "system"), ("builtins", "eval"), ("builtins", "exec"), ("__builtin__", "set"), ("subprocess", "Popen"),
        ("torch.nn.modules.linear", "Linear"), ("torch._utils", "_rebuild_parameter"), ("numpy.core.multiarray", "_reconstruct"),
        ("_codecs", "encode"), ("copy_reg", "_reconstructor"), ("datetime", "datetime"), ("collections", "OrderedDict"), ("torch", "FloatStorage"),
    ];

    [Fact]
    public void Torch_save_archives_and_Lightning_checkpoints_read_or_exit_2_naming_the_file() => Run(rng =>
    {
        var lightning = rng.Next(2) == 0;
        var base_ = File.ReadAllBytes(lightning ? Path.Combine(corpus.Kind("lightning"), "epoch=1-step=8.ckpt") : Path.Combine(corpus.Kind("layers"), "epoch_1.pt"));
        var name = lightning ? "last.ckpt" : "epoch_0.pt"; // Lightning's epoch and step come from inside
        var r = rng.Next(100);
        byte[] bytes = r switch
        {
            < 20 => base_,
            < 40 => base_[..rng.Next(base_.Length)],
            < 55 => Flip(base_, rng, rng.Next(1, 9)),
            < 70 => Rezip(base_, (entry, data) => entry.EndsWith("data.pkl", StringComparison.Ordinal) ? Flip(data, rng, rng.Next(1, 5)) : data),
            < 80 => Rezip(base_, (entry, data) => entry.EndsWith("/data/" + rng.Next(8), StringComparison.Ordinal)
                ? rng.Next(2) == 0 ? data[..Math.Max(0, data.Length - rng.Next(1, 65))] : [.. data, .. new byte[rng.Next(1, 65)]]
                : data),
            < 92 => Rezip(base_, (entry, data) => entry.EndsWith("data.pkl", StringComparison.Ordinal)
                ? Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(data).Replace("FloatStorage", Storages[rng.Next(Storages.Length)], StringComparison.Ordinal))
                : data), // wrong dtypes: integer, other float sizes, unknown
            _ => RandomBytes(rng),
        };
        return (name, bytes);
    }, minOk: 150, minBad: 400);

    [Fact]
    public void Safetensors_files_read_or_exit_2_naming_the_file() => Run(rng =>
    {
        var base_ = File.ReadAllBytes(Directory.GetFiles(corpus.Kind("safetensors")).Order(StringComparer.Ordinal).First());
        var headerLength = (int)BitConverter.ToUInt64(base_, 0);
        var header = JsonNode.Parse(base_.AsSpan(8, headerLength))!.AsObject();
        var data = base_[(8 + headerLength)..];
        var r = rng.Next(100);
        return ("epoch_0.safetensors", r switch
        {
            < 15 => base_,
            < 30 => base_[..rng.Next(base_.Length)],
            < 45 => Flip(base_, rng, rng.Next(1, 9)),
            < 55 => [.. BitConverter.GetBytes(rng.Next(2) == 0 ? (ulong)rng.NextInt64() : (ulong)(headerLength + rng.Next(-16, 17))), .. base_[8..]],
            < 88 => Safetensors(EditHeader(header, rng), data),
            < 94 => Safetensors(Encoding.UTF8.GetString(base_, 8, headerLength).Replace("\"layers.1.bias\"", "\"layers.0.bias\"", StringComparison.Ordinal), data), // a name twice
            _ => RandomBytes(rng),
        });
    }, minOk: 100, minBad: 500);

    [Fact]
    public void Pickles_of_unexpected_types_and_globals_read_or_exit_2_naming_the_file() => Run(rng =>
    {
        var base_ = File.ReadAllBytes(Path.Combine(corpus.Kind("layers"), "epoch_1.pt"));
        var p = new PickleWriter().Proto(2);
        if (rng.Next(100) < 15) StateDict(p, rng, exact: true); // a valid state_dict written by hand
        else if (rng.Next(4) == 0) Value(p, rng, 0); // a top-level list, number, string, tensor, global, …
        else StateDict(p, rng, exact: false);
        var pickle = p.Op(Stop).ToArray();
        return ("epoch_0.pt", Rezip(base_, (entry, data) => entry.EndsWith("data.pkl", StringComparison.Ordinal) ? pickle : data));
    }, minOk: 50, minBad: 600);

    /// <summary>
    /// One changed number in a pickle once asked PyBridge for gigabytes (a zero tensor of the shape, a byte array of the
    /// storage's elements) and the test host was killed for memory. Such a file is refused by the screen, before
    /// PyBridge allocates anything: this thread allocates no more than a few megabytes reading it.
    /// </summary>
    [Theory]
    [InlineData(1, 1 << 28, "elements, its storage 50176")] // a weight's shape of 2^34 elements (64 GiB of zeros)
    [InlineData(0, 1 << 29, "declares 536870912 elements of 4 bytes")] // a storage of 2^29 elements (a 2 GiB array)
    [InlineData(2, -1, "other than whole numbers")] // a negative dimension
    public void A_shape_or_storage_larger_than_the_file_is_refused_before_it_is_allocated(int what, int size, string expected)
    {
        var p = new PickleWriter().Proto(2).Op(EmptyDict).Mark();
        for (var k = 0; k < Shapes.Length; k++)
        {
            var shape = Shapes[k].Select(d => (int)d).ToArray();
            var numel = shape.Aggregate(1, (a, d) => a * d);
            if (k == 0 && what == 0) numel = size;
            if (k == 0 && what > 0) shape[1] = size;
            p.Text($"layers.{k / 2}.{(k % 2 == 0 ? "weight" : "bias")}").Tensor("FloatStorage", k.ToString(), numel, 0, shape, shape.Length == 2 ? [shape[1], 1] : [1]);
        }
        var pickle = p.Op(SetItems, Stop).ToArray();
        var base_ = File.ReadAllBytes(Path.Combine(corpus.Kind("layers"), "epoch_1.pt"));
        using var scratch = new ScratchFolder();
        var path = scratch.File("epoch_0.pt");
        File.WriteAllBytes(path, Rezip(base_, (entry, data) => entry.EndsWith("data.pkl", StringComparison.Ordinal) ? pickle : data));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<RepAlign.Core.BadInputException>(() => RepAlign.Training.PyTorch.StateDictReader.Read(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{e.Message} ({allocated} bytes allocated)");
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.True(allocated < 16 << 20, $"{allocated} bytes allocated reading a file of {new FileInfo(path).Length}");
    }

    /// <summary>A dictionary of the eight tensors (exact) or of random names, values and shapes.</summary>
    private static void StateDict(PickleWriter p, Random rng, bool exact)
    {
        p.Op(EmptyDict).Mark();
        var count = exact ? Shapes.Length : rng.Next(0, 12);
        for (var k = 0; k < count; k++)
        {
            var key = exact || rng.Next(3) > 0 ? $"layers.{k / 2}.{(k % 2 == 0 ? "weight" : "bias")}" : $"x{rng.Next(100)}";
            p.Text(key);
            if (exact || rng.Next(3) > 0) Tensor(p, rng, k % Shapes.Length, exact);
            else Value(p, rng, 1);
        }
        p.Op(SetItems);
    }

    private static void Tensor(PickleWriter p, Random rng, int index, bool exact)
    {
        var shape = Shapes[index].Select(d => (int)d).ToArray();
        var numel = shape.Aggregate(1, (a, d) => a * d);
        if (!exact && rng.Next(2) == 0) shape[rng.Next(shape.Length)] += rng.Next(-3, 4); // wrong shape
        if (!exact && rng.Next(4) == 0) shape = [.. shape, 1 + rng.Next(3)]; // extra dimension
        var strides = shape.Select((_, i) => shape.Skip(i + 1).Aggregate(1, (a, d) => a * d)).ToArray();
        var offset = exact || rng.Next(5) > 0 ? 0 : rng.Next(1, 100);
        var storage = exact || rng.Next(4) > 0 ? "FloatStorage" : Storages[rng.Next(Storages.Length)];
        var key = exact || rng.Next(5) > 0 ? index.ToString() : rng.Next(12).ToString(); // storage entries 0..7 exist
        p.Tensor(storage, key, exact || rng.Next(3) > 0 ? numel : rng.Next(0, numel * 2 + 2), offset, shape, strides);
    }

    /// <summary>Any value: numbers, strings, None, containers, tensors, and calls of globals (allowed or not).</summary>
    private static void Value(PickleWriter p, Random rng, int depth)
    {
        switch (rng.Next(depth > 2 ? 5 : 12))
        {
            case 0: p.Int(rng.Next(-5, 1000)); break;
            case 1: p.Float(rng.NextDouble()); break;
            case 2: p.Text($"s{rng.Next(100)}"); break;
            case 3: p.Op(None); break;
            case 4: p.Op(EmptyTuple); break;
            case 5: p.Op(EmptyList).Mark(); for (var i = rng.Next(4); i > 0; i--) Value(p, rng, depth + 1); p.Op(Appends); break;
            case 6: p.Op(EmptyDict).Mark(); for (var i = rng.Next(4); i > 0; i--) { if (rng.Next(3) == 0) p.Int(i); else p.Text($"k{i}"); Value(p, rng, depth + 1); } p.Op(SetItems); break;
            case 7: p.Mark(); for (var i = rng.Next(4); i > 0; i--) Value(p, rng, depth + 1); p.Op(MakeTuple); break;
            case 8: p.Op(EmptySet).Mark().Int(1).Op(AddItems); break;
            case 9: Tensor(p, rng, rng.Next(Shapes.Length), exact: false); break;
            default:
                var (module, name) = Globals[rng.Next(Globals.Length)];
                if (rng.Next(2) == 0) p.Global(module, name); else p.StackGlobal(module, name);
                if (rng.Next(2) == 0) p.Mark().Text("touch MARKER").Op(MakeTuple, Reduce); else p.Op(EmptyTuple, NewObj);
                break;
        }
    }

    private static string EditHeader(JsonObject header, Random rng)
    {
        var names = header.Select(kv => kv.Key).Where(k => k != "__metadata__").ToArray();
        var entry = header[names[rng.Next(names.Length)]]!.AsObject();
        switch (rng.Next(7))
        {
            case 0: entry["dtype"] = new[] { "F16", "F64", "BF16", "I64", "I32", "I8", "U8", "BOOL", "F8_E4M3", "" }[rng.Next(10)]; break; // wrong dtype
            case 1: entry["shape"]!.AsArray()[0] = entry["shape"]!.AsArray()[0]!.GetValue<long>() + rng.Next(-2, 3); break; // wrong shape
            case 2: entry["shape"]!.AsArray().Add(rng.Next(-1, 3)); break;
            case 3: entry["data_offsets"]!.AsArray()[rng.Next(2)] = rng.Next(-4, 60_000); break;
            case 4: header.Remove(names[rng.Next(names.Length)]); break; // a missing parameter
            case 5: header["__metadata__"] = rng.Next(2) == 0 ? new JsonObject { ["format"] = 3 } : new JsonArray(); break;
            default: entry["extra"] = "ignored"; break; // valid
        }
        return header.ToJsonString();
    }

    private static byte[] Safetensors(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. data];
    }

    private static byte[] Rezip(byte[] zip, Func<string, byte[], byte[]> edit)
    {
        using var input = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var result = new MemoryStream();
        using (var output = new ZipArchive(result, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                using var read = new MemoryStream();
                using (var s = entry.Open()) s.CopyTo(read);
                using var w = output.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                w.Write(edit(entry.FullName, read.ToArray()));
            }
        }
        return result.ToArray();
    }

    private static byte[] Flip(byte[] bytes, Random rng, int count)
    {
        var copy = (byte[])bytes.Clone();
        for (var i = 0; i < count; i++) copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
        return copy;
    }

    private static byte[] RandomBytes(Random rng)
    {
        var b = new byte[rng.Next(0, 600)];
        rng.NextBytes(b);
        if (b.Length > 4 && rng.Next(2) == 0) "PK\u0003\u0004"u8.CopyTo(b); // a zip's signature, then garbage
        return b;
    }

    /// <summary>Runs <see cref="FuzzCheck.Cases"/> generated files through reanalysis' checks of a folder.</summary>
    private void Run(Func<Random, (string Name, byte[] Bytes)> generate, long minOk, long minBad)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED"), out var s) ? s : Random.Shared.Next();
        output.WriteLine($"seed {seed} (replay with REPALIGN_TEST_SEED={seed})");
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        for (var i = 0; i < FuzzCheck.Cases; i++)
        {
            var (name, bytes) = generate(new Random(unchecked(seed * 7919 + i)));
            var folder = scratch.File($"case-{i}");
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, name);
            File.WriteAllBytes(path, bytes);
            tally.Add(FuzzCheck.ExitCode(() => CheckpointSource.Import(folder, new CheckpointNaming(), new RepAlign.Training.PyTorch.PyTorchWeightImporter(), Model, null, null), path, $"file {name}"));
            Assert.Equal([path], Directory.GetFileSystemEntries(folder)); // nothing written beside it
            Directory.Delete(folder, recursive: true);
        }
        output.WriteLine(tally.AssertSeen(FuzzCheck.Cases, minOk, minBad));
    }
}
