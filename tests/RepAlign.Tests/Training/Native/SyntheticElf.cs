using System.Buffers.Binary;
using System.Text;

namespace RepAlign.Tests.Training.Native;

/// <summary>Builds minimal ELF64 little-endian files holding only version sections, for parser and decision tests.</summary>
internal static class SyntheticElf
{
    private const uint ShtStrtab = 3, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe;

    /// <summary>An ELF image that defines <paramref name="defined"/> (Verdef) and requires <paramref name="needed"/> (Verneed, grouped by file).</summary>
    public static byte[] Build(IReadOnlyList<string> defined, IReadOnlyList<(string File, string Version, ushort Flags)> needed)
    {
        var dynstr = new MemoryStream();
        dynstr.WriteByte(0);
        var strIndex = new Dictionary<string, uint>();
        uint Str(string s)
        {
            if (strIndex.TryGetValue(s, out var i)) return i;
            i = (uint)dynstr.Length;
            dynstr.Write(Encoding.ASCII.GetBytes(s));
            dynstr.WriteByte(0);
            return strIndex[s] = i;
        }

        var verdef = new List<byte>();
        for (var k = 0; k < defined.Count; k++)
        {
            var entry = new byte[28];
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(0), 1); // vd_version
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(2), (ushort)(k == 0 ? 1 : 0)); // vd_flags (VER_FLG_BASE)
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(4), (ushort)(k + 1)); // vd_ndx
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(6), 1); // vd_cnt
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(12), 20); // vd_aux
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(16), k + 1 < defined.Count ? 28u : 0u); // vd_next
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(20), Str(defined[k])); // vda_name
            verdef.AddRange(entry);
        }

        var verneed = new List<byte>();
        var groups = needed.GroupBy(n => n.File).ToArray();
        for (var g = 0; g < groups.Length; g++)
        {
            var items = groups[g].ToArray();
            var head = new byte[16];
            BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(0), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(2), (ushort)items.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), Str(groups[g].Key));
            BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), 16);
            BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), g + 1 < groups.Length ? (uint)(16 + 16 * items.Length) : 0u);
            verneed.AddRange(head);
            for (var a = 0; a < items.Length; a++)
            {
                var aux = new byte[16];
                BinaryPrimitives.WriteUInt32LittleEndian(aux.AsSpan(0), 0x0a0b0c0d); // vna_hash (not checked)
                BinaryPrimitives.WriteUInt16LittleEndian(aux.AsSpan(4), items[a].Flags);
                BinaryPrimitives.WriteUInt16LittleEndian(aux.AsSpan(6), (ushort)(100 + a));
                BinaryPrimitives.WriteUInt32LittleEndian(aux.AsSpan(8), Str(items[a].Version));
                BinaryPrimitives.WriteUInt32LittleEndian(aux.AsSpan(12), a + 1 < items.Length ? 16u : 0u);
                verneed.AddRange(aux);
            }
        }

        var shstr = Encoding.ASCII.GetBytes("\0.dynstr\0.gnu.version_d\0.gnu.version_r\0.shstrtab\0");
        var body = new MemoryStream();
        body.Write(new byte[64]);
        long Place(byte[] bytes)
        {
            while (body.Length % 8 != 0) body.WriteByte(0);
            var at = body.Length;
            body.Write(bytes);
            return at;
        }
        var dynstrBytes = dynstr.ToArray();
        var dynstrAt = Place(dynstrBytes);
        var verdefAt = Place([.. verdef]);
        var verneedAt = Place([.. verneed]);
        var shstrAt = Place(shstr);
        while (body.Length % 8 != 0) body.WriteByte(0);
        var shoff = body.Length;

        var sections = new List<(uint Name, uint Type, long Offset, long Size, uint Link, uint Info)>
        {
            (0, 0, 0, 0, 0, 0),
            (1, ShtStrtab, dynstrAt, dynstrBytes.Length, 0, 0),
            (9, ShtGnuVerdef, verdefAt, verdef.Count, 1, (uint)defined.Count),
            (24, ShtGnuVerneed, verneedAt, verneed.Count, 1, (uint)groups.Length),
            (39, ShtStrtab, shstrAt, shstr.Length, 0, 0),
        };
        foreach (var s in sections)
        {
            var sh = new byte[64];
            BinaryPrimitives.WriteUInt32LittleEndian(sh.AsSpan(0), s.Name);
            BinaryPrimitives.WriteUInt32LittleEndian(sh.AsSpan(4), s.Type);
            BinaryPrimitives.WriteInt64LittleEndian(sh.AsSpan(0x18), s.Offset);
            BinaryPrimitives.WriteInt64LittleEndian(sh.AsSpan(0x20), s.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(sh.AsSpan(0x28), s.Link);
            BinaryPrimitives.WriteUInt32LittleEndian(sh.AsSpan(0x2c), s.Info);
            body.Write(sh);
        }

        var elf = body.ToArray();
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2; elf[5] = 1; elf[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(16), 3); // ET_DYN
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(18), 62); // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(20), 1);
        BinaryPrimitives.WriteInt64LittleEndian(elf.AsSpan(40), shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(60), (ushort)sections.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(62), (ushort)(sections.Count - 1));
        return elf;
    }

    /// <summary>The GLIBCXX versions 3.4 … 3.4.<paramref name="last"/> plus the base name, as a libstdc++ would define them.</summary>
    public static string[] LibStdCxxVersions(int last) =>
        new[] { "libstdc++.so.6", "GLIBCXX_3.4" }
            .Concat(Enumerable.Range(1, last).Select(i => $"GLIBCXX_3.4.{i}"))
            .Concat(new[] { "CXXABI_1.3" }).Concat(Enumerable.Range(1, 13).Select(i => $"CXXABI_1.3.{i}"))
            .ToArray();
}
