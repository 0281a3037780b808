using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using RepAlign.Training.PyTorch;

namespace RepAlign.Tests.Training.PyTorch;

/// <summary>Writes safetensors files by the format's specification (u64 little-endian header length, JSON header, data), for tests.</summary>
public static class SafetensorsFiles
{
    /// <summary>The bytes of a file holding <paramref name="tensors"/> as F32, in order.</summary>
    public static byte[] Bytes(IEnumerable<NamedTensor> tensors)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        using var data = new MemoryStream();
        Span<byte> b = stackalloc byte[4];
        foreach (var t in tensors)
        {
            var begin = data.Length;
            foreach (var v in t.Values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(b, v);
                data.Write(b);
            }
            header[t.Name] = new { dtype = "F32", shape = t.Shape, data_offsets = new[] { begin, data.Length } };
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.ToArray().CopyTo(file, 8 + json.Length);
        return file;
    }

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<NamedTensor> tensors) => File.WriteAllBytes(path, Bytes(tensors));
}
