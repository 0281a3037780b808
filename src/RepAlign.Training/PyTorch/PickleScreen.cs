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
    public static int Check(ReadOnlySpan<byte> data, string where)
    {
        var memo = new Dictionary<long, string?>();
        var pushed = new List<string?>(); // values of the pushes since the last other opcode (STACK_GLOBAL reads the last two)
        var at = 0;
        while (true)
        {
            if (at >= data.Length) Fail(where, at, "the pickle ends without its STOP opcode (a truncated file?)");
            var start = at;
            var op = data[at++];
            string? text = null;
            var push = false;
            switch (op)
            {
                case (byte)'.': return at; // STOP
                case (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'Q' or (byte)'R' or (byte)'a' or (byte)'b'
                    or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')'
                    or (byte)'u' or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92:
                    break; // no argument: containers, REDUCE/BUILD/NEWOBJ of an already screened global, booleans, None
                case (byte)'K' or 0x80: at = Skip(data, at, 1, where, start); break; // BININT1, PROTO
                case (byte)'M': at = Skip(data, at, 2, where, start); break; // BININT2
                case (byte)'J': at = Skip(data, at, 4, where, start); break; // BININT
                case (byte)'G' or 0x95: at = Skip(data, at, 8, where, start); break; // BINFLOAT, FRAME
                case (byte)'F' or (byte)'I' or (byte)'L' or (byte)'P': at = Line(data, at, where, start, out _); break; // FLOAT, INT, LONG, PERSID
                case (byte)'S' or (byte)'V': at = Line(data, at, where, start, out text); push = true; break; // STRING, UNICODE
                case (byte)'T' or (byte)'X': at = Counted(data, at, 4, where, start, out text); push = true; break; // BINSTRING, BINUNICODE
                case (byte)'U' or 0x8c: at = Counted(data, at, 1, where, start, out text); push = true; break; // SHORT_BINSTRING, SHORT_BINUNICODE
                case 0x8d: at = Counted(data, at, 8, where, start, out text); push = true; break; // BINUNICODE8
                case (byte)'C' or 0x8a: at = Counted(data, at, 1, where, start, out _); break; // SHORT_BINBYTES, LONG1
                case (byte)'B' or 0x8b: at = Counted(data, at, 4, where, start, out _); break; // BINBYTES, LONG4
                case 0x8e or 0x96: at = Counted(data, at, 8, where, start, out _); break; // BINBYTES8, BYTEARRAY8
                case (byte)'c' or (byte)'i': // GLOBAL, INST: "module\nname\n"
                    at = Line(data, at, where, start, out var module);
                    at = Line(data, at, where, start, out var name);
                    Screen(module!, name!, where, start);
                    break;
                case 0x93: // STACK_GLOBAL: module and name are the two values on top of the stack
                    if (pushed.Count < 2 || pushed[^1] is null || pushed[^2] is null)
                        Fail(where, start, "a STACK_GLOBAL whose module and name are not literal strings (refused: it could name any callable)");
                    Screen(pushed[^2]!, pushed[^1]!, where, start);
                    break;
                case (byte)'p': // PUT: memo[n] = top of stack
                    at = Line(data, at, where, start, out var putIndex);
                    memo[Index(putIndex!, where, start)] = pushed.Count > 0 ? pushed[^1] : null;
                    continue;
                case (byte)'q' or (byte)'r' or 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
                {
                    long index = op == 0x94 ? memo.Count : op == (byte)'q' ? Byte(data, at, where, start) : UInt32(data, at, where, start);
                    at += op == 0x94 ? 0 : op == (byte)'q' ? 1 : 4;
                    memo[index] = pushed.Count > 0 ? pushed[^1] : null;
                    continue; // the stack is unchanged: keep tracking
                }
                case (byte)'g': // GET
                    at = Line(data, at, where, start, out var getIndex);
                    text = memo.GetValueOrDefault(Index(getIndex!, where, start));
                    push = true;
                    break;
                case (byte)'h' or (byte)'j': // BINGET, LONG_BINGET
                    text = memo.GetValueOrDefault(op == (byte)'h' ? Byte(data, at, where, start) : UInt32(data, at, where, start));
                    at += op == (byte)'h' ? 1 : 4;
                    push = true;
                    break;
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
            if (push) pushed.Add(text);
            else pushed.Clear();
        }
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
    private static void Fail(string where, int at, string what) =>
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

    private static long Byte(ReadOnlySpan<byte> data, int at, string where, int start) => data[Skip(data, at, 1, where, start) - 1];

    private static long UInt32(ReadOnlySpan<byte> data, int at, string where, int start) =>
        BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(Skip(data, at, 4, where, start) - 4, 4));

    private static long Index(string text, string where, int start) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : Throw.BadInput<long>($"{where}: byte {start}: memo index '{text}' is not a number");
}
