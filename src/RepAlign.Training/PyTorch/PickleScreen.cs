using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RepAlign.Core;

namespace RepAlign.Training.PyTorch;

/// <summary>
/// Screens a pickle before anything unpickles it. A pickle names the callables it calls (GLOBAL, INST and
/// STACK_GLOBAL opcodes) and Python's <c>pickle</c> calls them, so a <c>.pt</c> file can run code there
/// (<c>os.system</c> through REDUCE). TorchSharp.PyBridge's unpickler (Razorvine.Pickle) runs no Python, but it
/// turns an unknown global into a placeholder object instead of refusing it. This walks the opcodes without
/// building any object and refuses every global outside <see cref="Allowed"/> (the tensors and the
/// <c>OrderedDict</c> of a state_dict: a subset of what <c>torch.load(weights_only=True)</c> allows), the
/// extension-registry and out-of-band-buffer opcodes, unknown opcodes, and a pickle that ends early.
/// <para>
/// Given the archive's storage entries it also bounds what PyBridge will allocate, which it takes from the pickle
/// alone: a byte array of each persistent storage's declared elements, and a zero tensor of each tensor's shape
/// (one flipped bit of a shape asked for gigabytes). Each persistent id must be the tuple torch.save writes,
/// <c>('storage', torch.XStorage, key, location, elements)</c>, whose elements fill exactly its data entry, and the
/// shape of the tensor built on it may hold no more elements than the storage (<see cref="StorageBounds"/>).
/// </para>
/// </summary>
public static class PickleScreen
{
    /// <summary>The globals a state_dict needs: its <c>OrderedDict</c>, the tensor rebuild functions and the storage types PyBridge reads.</summary>
    public static IReadOnlySet<string> Allowed { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
        "torch.DoubleStorage", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.LongStorage",
        "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage", "torch.BoolStorage",
        "torch.ComplexDoubleStorage", "torch.ComplexFloatStorage",
    };

    /// <summary>
    /// Walks the pickle in <paramref name="data"/> up to its STOP opcode; <see cref="BadInputException"/> naming
    /// <paramref name="where"/>, the byte offset and the refused global or opcode. Returns the offset after STOP.
    /// </summary>
    /// <param name="data">The pickle.</param>
    /// <param name="where">The file (and entry) named in messages.</param>
    /// <param name="storageBytes">The byte length of a torch.save archive's storage entry by key (null: no such entry);
    /// null for a pickle outside an archive, whose persistent ids are not checked.</param>
    public static int Check(ReadOnlySpan<byte> data, string where, Func<string, long?>? storageBytes = null)
    {
        var memo = new Dictionary<long, PickleItem>();
        var pushed = new List<PickleItem>(); // the pushes since the last other opcode (STACK_GLOBAL reads the last two; tuples their elements)
        var bounds = storageBytes is null ? null : new StorageBounds(storageBytes, where);
        var at = 0;
        byte last = 0;
        while (true)
        {
            if (at >= data.Length) Fail(where, at, "the pickle ends without its STOP opcode (a truncated file?)");
            var start = at;
            var op = data[at++];
            var previous = last;
            if (op is not ((byte)'p' or (byte)'q' or (byte)'r' or 0x94)) last = op; // memo opcodes leave the stack as it is
            string? text = null;
            long? integer = null;
            var push = false;
            switch (op)
            {
                case (byte)'.': return at; // STOP
                case (byte)'t' or (byte)')' or 0x85 or 0x86 or 0x87: // TUPLE (since MARK), EMPTY_TUPLE, TUPLE1..3
                    bounds?.Tuple(op switch { (byte)'t' => pushed, (byte)')' => [], _ => Last(pushed, op - 0x84) }, start);
                    break;
                case (byte)'Q': // BINPERSID: a storage of the archive, from the tuple just built
                    if (bounds is not null) { pushed.Clear(); pushed.Add(bounds.Storage(start, previous is (byte)'t' or (byte)')' or 0x85 or 0x86 or 0x87)); continue; }
                    break;
                case (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'R' or (byte)'a' or (byte)'b'
                    or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o' or (byte)'s'
                    or (byte)'u' or 0x81 or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92:
                    break; // no argument: containers, REDUCE/BUILD/NEWOBJ of an already screened global, booleans, None
                case 0x80: at = Skip(data, at, 1, where, start); break; // PROTO
                case (byte)'K': integer = Byte(data, at, where, start); at += 1; push = true; break; // BININT1
                case (byte)'M': integer = Byte(data, at, where, start) | Byte(data, at + 1, where, start) << 8; at += 2; push = true; break; // BININT2
                case (byte)'J': integer = (int)UInt32(data, at, where, start); at += 4; push = true; break; // BININT
                case (byte)'G' or 0x95: at = Skip(data, at, 8, where, start); break; // BINFLOAT, FRAME
                case (byte)'F' or (byte)'I' or (byte)'L' or (byte)'P': at = Line(data, at, where, start, out _); break; // FLOAT, INT, LONG, PERSID
                case (byte)'S' or (byte)'V': at = Line(data, at, where, start, out text); push = true; break; // STRING, UNICODE
                case (byte)'T' or (byte)'X': at = Counted(data, at, 4, where, start, out text); push = true; break; // BINSTRING, BINUNICODE
                case (byte)'U' or 0x8c: at = Counted(data, at, 1, where, start, out text); push = true; break; // SHORT_BINSTRING, SHORT_BINUNICODE
                case 0x8d: at = Counted(data, at, 8, where, start, out text); push = true; break; // BINUNICODE8
                case (byte)'C': at = Counted(data, at, 1, where, start, out _); break; // SHORT_BINBYTES
                case 0x8a: at = Long1(data, at, where, start, out integer); push = true; break; // LONG1
                case (byte)'B' or 0x8b: at = Counted(data, at, 4, where, start, out _); break; // BINBYTES, LONG4
                case 0x8e or 0x96: at = Counted(data, at, 8, where, start, out _); break; // BINBYTES8, BYTEARRAY8
                case (byte)'c' or (byte)'i': // GLOBAL, INST: "module\nname\n"
                    at = Line(data, at, where, start, out var module);
                    at = Line(data, at, where, start, out var name);
                    Screen(module!, name!, where, start);
                    pushed.Add(new PickleItem(null, null, null, $"{module}.{name}"));
                    continue;
                case 0x93: // STACK_GLOBAL: module and name are the two values on top of the stack
                    if (pushed.Count < 2 || pushed[^1].Text is null || pushed[^2].Text is null)
                        Fail(where, start, "a STACK_GLOBAL whose module and name are not literal strings (refused: it could name any callable)");
                    Screen(pushed[^2].Text!, pushed[^1].Text!, where, start);
                    var global = $"{pushed[^2].Text}.{pushed[^1].Text}";
                    pushed.RemoveRange(pushed.Count - 2, 2);
                    pushed.Add(new PickleItem(null, null, null, global));
                    continue;
                case (byte)'p': // PUT: memo[n] = top of stack
                    at = Line(data, at, where, start, out var putIndex);
                    memo[Index(putIndex!, where, start)] = pushed.Count > 0 ? pushed[^1] : default;
                    continue;
                case (byte)'q' or (byte)'r' or 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
                {
                    long index = op == 0x94 ? memo.Count : op == (byte)'q' ? Byte(data, at, where, start) : UInt32(data, at, where, start);
                    at += op == 0x94 ? 0 : op == (byte)'q' ? 1 : 4;
                    memo[index] = pushed.Count > 0 ? pushed[^1] : default;
                    continue; // the stack is unchanged: keep tracking
                }
                case (byte)'g': // GET
                    at = Line(data, at, where, start, out var getIndex);
                    pushed.Add(Recall(memo.GetValueOrDefault(Index(getIndex!, where, start)), bounds));
                    continue;
                case (byte)'h' or (byte)'j': // BINGET, LONG_BINGET
                    pushed.Add(Recall(memo.GetValueOrDefault(op == (byte)'h' ? Byte(data, at, where, start) : UInt32(data, at, where, start)), bounds));
                    at += op == (byte)'h' ? 1 : 4;
                    continue;
                case 0x82 or 0x83 or 0x84:
                    Fail(where, start, $"opcode EXT{(op == 0x82 ? 1 : op == 0x83 ? 2 : 4)} (a global from the copyreg extension registry) is refused");
                    break;
                case 0x97 or 0x98:
                    Fail(where, start, "an out-of-band buffer (NEXT_BUFFER / READONLY_BUFFER) is refused");
                    break;
                default:
                    Fail(where, start, $"byte 0x{op:x2} is no pickle opcode (a corrupt file?)");
                    break;
            }
            if (push) pushed.Add(new PickleItem(text, integer, null));
            else pushed.Clear();
        }
    }

    /// <summary>The last <paramref name="count"/> values (unknown ones first where fewer were followed).</summary>
    private static List<PickleItem> Last(List<PickleItem> pushed, int count) =>
        [.. Enumerable.Repeat(default(PickleItem), Math.Max(0, count - pushed.Count)), .. pushed.TakeLast(count)];

    /// <summary>A memoised value pushed again; a storage pushed again bounds the next shape as a fresh one does.</summary>
    private static PickleItem Recall(PickleItem item, StorageBounds? bounds)
    {
        if (item.StorageElements is { } elements) bounds?.Reuse(elements);
        return item;
    }

    private static void Screen(string module, string name, string where, int at)
    {
        var global = $"{module}.{name}";
        if (Allowed.Contains(global)) return;
        var hint = global == "torch._utils._rebuild_parameter"
            ? "nn.Parameter objects (a whole model or named_parameters()): save model.state_dict() instead"
            : "RepAlign reads only tensors, their OrderedDict and plain containers, numbers and strings from a pickle and calls nothing a file names";
        Fail(where, at, $"refused pickle global '{global}': {hint}");
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal static void Fail(string where, int at, string what) =>
        Throw.BadInput($"{where}: byte {at.ToString(CultureInfo.InvariantCulture)}: {what}");

    private static int Skip(ReadOnlySpan<byte> data, int at, long count, string where, int start)
    {
        if (count > data.Length - at) Fail(where, start, "the pickle ends inside an opcode's argument (a truncated file?)");
        return at + (int)count;
    }

    private static int Line(ReadOnlySpan<byte> data, int at, string where, int start, out string? text)
    {
        var end = data[at..].IndexOf((byte)'\n');
        if (end < 0) Fail(where, start, "the pickle ends inside a text argument (a truncated file?)");
        text = Encoding.UTF8.GetString(data.Slice(at, end));
        return at + end + 1;
    }

    private static int Counted(ReadOnlySpan<byte> data, int at, int lengthBytes, string where, int start, out string? text)
    {
        Skip(data, at, lengthBytes, where, start);
        var length = lengthBytes switch
        {
            1 => data[at],
            4 => BinaryPrimitives.ReadUInt32LittleEndian(data[at..]),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(data[at..]) is var l && l <= int.MaxValue ? (long)l : long.MaxValue,
        };
        var next = Skip(data, at + lengthBytes, length, where, start);
        text = Encoding.UTF8.GetString(data.Slice(at + lengthBytes, (int)length));
        return next;
    }

    /// <summary>LONG1: a little-endian two's-complement integer of up to 8 bytes (longer ones are read as out of range).</summary>
    private static int Long1(ReadOnlySpan<byte> data, int at, string where, int start, out long? value)
    {
        var length = (int)Byte(data, at, where, start);
        var next = Skip(data, at + 1, length, where, start);
        if (length > 8) { value = long.MaxValue; return next; }
        long v = 0;
        for (var i = length - 1; i >= 0; i--) v = v << 8 | data[at + 1 + i];
        if (length is > 0 and < 8 && (data[at + length] & 0x80) != 0) v -= 1L << (8 * length); // sign
        value = v;
        return next;
    }

    private static long Byte(ReadOnlySpan<byte> data, int at, string where, int start) => data[Skip(data, at, 1, where, start) - 1];

    private static long UInt32(ReadOnlySpan<byte> data, int at, string where, int start) =>
        BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(Skip(data, at, 4, where, start) - 4, 4));

    private static long Index(string text, string where, int start) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : Throw.BadInput<long>($"{where}: byte {start}: memo index '{text}' is not a number");
}
