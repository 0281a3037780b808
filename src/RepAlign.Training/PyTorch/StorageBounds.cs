using System.Globalization;

namespace RepAlign.Training.PyTorch;

/// <summary>A value <see cref="PickleScreen"/> follows on the pickle's stack: a literal string, an integer, a persistent storage (its element count) or a global's name.</summary>
internal readonly record struct PickleItem(string? Text, long? Int, long? StorageElements, string? Global = null);

/// <summary>
/// Bounds what TorchSharp.PyBridge allocates from a torch.save pickle before it reads it (<see cref="PickleScreen"/>):
/// each persistent id is <c>('storage', torch.XStorage, key, location, elements)</c> whose elements × element size
/// is exactly the byte length of the archive's entry <c>data/key</c> (PyBridge allocates that many bytes), and the
/// first tuple after a storage is pushed (the tensor's shape; the storage offset comes between) holds no more elements
/// than the storage (PyBridge allocates a zero tensor of that shape). A file that passes allocates at most about its own size.
/// </summary>
internal sealed class StorageBounds(Func<string, long?> storageBytes, string where)
{
    private IReadOnlyList<PickleItem>? lastTuple;
    private long? shapeLimit;

    /// <summary>A tuple was built from <paramref name="items"/>; the first after a storage is its tensor's shape.</summary>
    public void Tuple(IReadOnlyList<PickleItem> items, int at)
    {
        lastTuple = [.. items];
        if (shapeLimit is not { } limit) return;
        shapeLimit = null;
        long elements = 1;
        foreach (var item in items)
        {
            var d = item.Int ?? -1;
            if (d < 0)
                PickleScreen.Fail(where, at, "a tensor's shape holds something other than whole numbers ≥ 0");
            elements = d == 0 || elements <= limit / d ? elements * d : long.MaxValue;
        }
        if (elements > limit)
            PickleScreen.Fail(where, at, $"a tensor's shape ({Join(items)}) holds {(elements == long.MaxValue ? "more" : elements.ToString(CultureInfo.InvariantCulture))} elements, its storage {limit.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>BINPERSID: checks the persistent id just built and returns the storage it stands for.</summary>
    public PickleItem Storage(int at, bool afterTuple)
    {
        var id = afterTuple ? lastTuple : null;
        lastTuple = null;
        if (id is not [{ Text: "storage" }, { Global: { } type }, { Text: { } key }, { Text: not null }, { Int: { } elements }])
            return Fail("a persistent id that is not the tuple torch.save writes, ('storage', torch.XStorage, key, location, elements)");
        if (ElementSize(type) is not { } size) return Fail($"a storage of type {type}, which is not read");
        if (storageBytes(key) is not { } bytes) return Fail($"storage '{key}' has no entry data/{key} in the archive");
        if (elements < 0 || elements > bytes / size || elements * size != bytes)
            return Fail($"storage '{key}' declares {elements} elements of {size} bytes, its entry data/{key} holds {bytes} bytes");
        shapeLimit = elements;
        return new PickleItem(null, null, elements);

        PickleItem Fail(string what)
        {
            PickleScreen.Fail(where, at, what);
            return default;
        }
    }

    /// <summary>A storage pushed again from the memo (a second tensor on it): the next shape is bounded by it too.</summary>
    public void Reuse(long elements) => shapeLimit = elements;

    private static long? ElementSize(string type) => type switch
    {
        "torch.DoubleStorage" or "torch.LongStorage" or "torch.ComplexFloatStorage" => 8,
        "torch.FloatStorage" or "torch.IntStorage" => 4,
        "torch.HalfStorage" or "torch.BFloat16Storage" or "torch.ShortStorage" => 2,
        "torch.CharStorage" or "torch.ByteStorage" or "torch.BoolStorage" => 1,
        "torch.ComplexDoubleStorage" => 16,
        _ => null,
    };

    private static string Join(IEnumerable<PickleItem> items) => string.Join(", ", items.Select(i => i.Int?.ToString(CultureInfo.InvariantCulture) ?? "?"));
}
