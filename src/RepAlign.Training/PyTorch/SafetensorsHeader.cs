using System.Buffers.Binary;
using System.Text.Json;
using RepAlign.Core;

namespace RepAlign.Training.PyTorch;

/// <summary>
/// Checks a safetensors file's header by the format's specification before TorchSharp.PyBridge reads the data
/// (PyBridge trusts the header: it allocates what the shape says and reads what the offsets say). The file is an
/// 8-byte little-endian header length N, N bytes of JSON, then the data: the JSON maps each tensor name to
/// <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets into the data), plus an optional
/// <c>"__metadata__"</c> map of strings.
/// </summary>
public static class SafetensorsHeader
{
    /// <summary>The largest header read (the format's own readers refuse more than 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Bytes per element of the dtypes PyBridge reads.</summary>
    public static IReadOnlyDictionary<string, int> DtypeSizes { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>
    /// Reads and checks the header of <paramref name="path"/>; <see cref="BadInputException"/> naming the file and the
    /// tensor for a short file, a header length past the end, a header that is not UTF-8, malformed JSON, an unknown dtype, a negative shape,
    /// offsets outside the data, or a byte count that is not the shape's elements × the dtype's size.
    /// Returns the tensor names with their dtypes, in header order.
    /// </summary>
    public static IReadOnlyList<(string Name, string Dtype)> Check(string path)
    {
        using var stream = File.OpenRead(path);
        var fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (fileLength < 8 || stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            Fail(path, $"{fileLength} bytes, expected at least the 8-byte header length of a safetensors file");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2 || headerLength > (ulong)Math.Min(MaxHeaderBytes, fileLength - 8))
            Fail(path, $"header length {headerLength}, expected 2 to {Math.Min(MaxHeaderBytes, fileLength - 8)} (the JSON header must fit in the file's {fileLength} bytes)");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var dataLength = fileLength - 8 - (long)headerLength;
        var utf16 = new char[json.Length];
        if (System.Text.Unicode.Utf8.ToUtf16(json, utf16, out var valid, out _, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
            Fail(path, $"a byte 0x{json[valid]:X2} at header byte {valid} that is not UTF-8, expected UTF-8 JSON"); // JSON's reader checks strings only when it decodes them
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return Throw.BadInput<IReadOnlyList<(string, string)>>($"{path}: the safetensors header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) Fail(path, $"a JSON {doc.RootElement.ValueKind} as header, expected an object of tensors");
            var tensors = new List<(string, string)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(entry.Name)) Fail(path, $"tensor '{entry.Name}' twice in the header, expected each name once");
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object || entry.Value.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
                        Fail(path, "__metadata__ that is not a map of strings, expected {\"key\": \"value\", …}");
                    continue;
                }
                tensors.Add((entry.Name, Tensor(path, entry.Name, entry.Value, dataLength)));
            }
            return tensors;
        }
    }

    private static string Tensor(string path, string name, JsonElement e, long dataLength)
    {
        var where = $"tensor '{name}'";
        if (e.ValueKind != JsonValueKind.Object) Fail(path, $"{where}: a JSON {e.ValueKind}, expected {{\"dtype\", \"shape\", \"data_offsets\"}}");
        var dtype = e.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : null;
        var size = dtype is null ? 0 : DtypeSizes.GetValueOrDefault(dtype);
        if (size == 0) Fail(path, $"{where}: dtype {dtype ?? "missing"}, expected one of {string.Join(", ", DtypeSizes.Keys)}");
        var shape = Integers(path, where, e, "shape");
        var offsets = Integers(path, where, e, "data_offsets");
        if (offsets.Length != 2 || offsets[0] > offsets[1] || offsets[1] > dataLength)
            Fail(path, $"{where}: data_offsets [{string.Join(", ", offsets)}], expected [begin, end] with 0 ≤ begin ≤ end ≤ {dataLength} (the data's length)");
        var count = 1L;
        foreach (var dim in shape)
        {
            if (dim > 0 && count > dataLength / dim) Fail(path, $"{where}: shape [{string.Join(", ", shape)}] holds more elements than the file has bytes");
            count *= dim;
        }
        if (count * size != offsets[1] - offsets[0])
            Fail(path, $"{where}: {offsets[1] - offsets[0]} bytes between its data_offsets, expected {count * size} for shape [{string.Join(", ", shape)}] of {dtype}");
        return dtype!;
    }

    private static long[] Integers(string path, string where, JsonElement e, string property)
    {
        if (!e.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
            Fail(path, $"{where}: {property} missing or not a list, expected a list of whole numbers ≥ 0");
        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            var v = item.ValueKind == JsonValueKind.Number && item.TryGetInt64(out var n) ? n : -1;
            if (v < 0) Fail(path, $"{where}: {property} holds {item.GetRawText()}, expected whole numbers ≥ 0");
            values.Add(v);
        }
        return values.ToArray();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string path, string what) => Throw.BadInput($"{path}: safetensors header: found {what}");
}
