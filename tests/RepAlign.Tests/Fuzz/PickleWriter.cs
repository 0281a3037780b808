using System.Text;

namespace RepAlign.Tests.Fuzz;

/// <summary>Writes pickle opcodes (protocol 2, with protocol 4's STACK_GLOBAL) for fuzz cases: the structures torch.save writes and others.</summary>
public sealed class PickleWriter
{
    private readonly MemoryStream bytes = new();

    /// <summary>The pickle so far.</summary>
    public byte[] ToArray() => bytes.ToArray();

    /// <summary>PROTO n.</summary>
    public PickleWriter Proto(byte n) => Op(0x80, n);

    /// <summary>A str (BINUNICODE).</summary>
    public PickleWriter Text(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        Op((byte)'X');
        bytes.Write(BitConverter.GetBytes(b.Length));
        bytes.Write(b);
        return this;
    }

    /// <summary>An int (BININT).</summary>
    public PickleWriter Int(int n)
    {
        Op((byte)'J');
        bytes.Write(BitConverter.GetBytes(n));
        return this;
    }

    /// <summary>A float (BINFLOAT, big-endian).</summary>
    public PickleWriter Float(double d)
    {
        Op((byte)'G');
        var b = BitConverter.GetBytes(d);
        Array.Reverse(b);
        bytes.Write(b);
        return this;
    }

    /// <summary>GLOBAL module name.</summary>
    public PickleWriter Global(string module, string name)
    {
        Op((byte)'c');
        bytes.Write(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
        return this;
    }

    /// <summary>Protocol 4's global: module and name pushed as strings (SHORT_BINUNICODE), then STACK_GLOBAL.</summary>
    public PickleWriter StackGlobal(string module, string name)
    {
        foreach (var s in new[] { module, name })
        {
            var b = Encoding.UTF8.GetBytes(s);
            Op(0x8c, (byte)b.Length);
            bytes.Write(b);
            Op(0x94); // MEMOIZE
        }
        return Op(0x93);
    }

    /// <summary>A float32 tensor the way torch.save pickles one: _rebuild_tensor_v2((storage pid), offset, shape, stride, False, OrderedDict()).</summary>
    public PickleWriter Tensor(string storage, string key, int numel, int offset, int[] shape, int[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark().Mark().Text("storage").Global("torch", storage).Text(key).Text("cpu").Int(numel).Op((byte)'t').Op((byte)'Q');
        Int(offset).Mark();
        foreach (var d in shape) Int(d);
        Op((byte)'t').Mark();
        foreach (var s in stride) Int(s);
        return Op((byte)'t').Op(0x89).Global("collections", "OrderedDict").Op((byte)')').Op((byte)'R').Op((byte)'t').Op((byte)'R');
    }

    /// <summary>MARK.</summary>
    public PickleWriter Mark() => Op((byte)'(');

    /// <summary>Writes raw opcode bytes.</summary>
    public PickleWriter Op(params byte[] code)
    {
        bytes.Write(code);
        return this;
    }

    /// <summary>Opcodes by name, for readability at call sites.</summary>
    public static class Code
    {
        /// <summary>Empty containers and None.</summary>
        public const byte EmptyDict = (byte)'}', EmptyList = (byte)']', EmptyTuple = (byte)')', None = (byte)'N', EmptySet = 0x8f;
        /// <summary>Building and calling.</summary>
        public const byte SetItems = (byte)'u', Appends = (byte)'e', MakeTuple = (byte)'t', Reduce = (byte)'R', Build = (byte)'b', NewObj = 0x81, Stop = (byte)'.', AddItems = 0x90;
    }
}
