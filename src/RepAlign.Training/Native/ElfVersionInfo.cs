using System.Buffers.Binary;
using System.Text;
using RepAlign.Core;

namespace RepAlign.Training.Native;

/// <summary>One required symbol version of a shared library (a Vernaux entry of <c>.gnu.version_r</c>).</summary>
/// <param name="File">The library the version is required from (for example <c>libstdc++.so.6</c>).</param>
/// <param name="Version">The version name (for example <c>GLIBCXX_3.4.32</c>).</param>
/// <param name="Flags">The entry's <c>vna_flags</c> (0x2 = VER_FLG_WEAK).</param>
/// <param name="FlagsOffset">File offset of the 16-bit <c>vna_flags</c> field.</param>
public readonly record struct ElfVersionNeed(string File, string Version, ushort Flags, long FlagsOffset);

/// <summary>
/// The symbol-versioning tables of an ELF64 little-endian shared object: the versions it defines
/// (<c>.gnu.version_d</c>) and the versions it requires from other libraries (<c>.gnu.version_r</c>),
/// read by walking the section headers and the Verdef/Verneed chains.
/// </summary>
public sealed class ElfVersionInfo
{
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    private ElfVersionInfo(IReadOnlyList<string> defined, IReadOnlyList<ElfVersionNeed> needed)
    {
        Defined = defined;
        Needed = needed;
    }

    /// <summary>Version names the object defines (Verdef entries, every Verdaux name), in file order.</summary>
    public IReadOnlyList<string> Defined { get; }

    /// <summary>Version requirements (every Vernaux entry), in file order.</summary>
    public IReadOnlyList<ElfVersionNeed> Needed { get; }

    /// <summary>Reads the versioning tables of the ELF file at <paramref name="path"/>.</summary>
    public static ElfVersionInfo Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses the versioning tables of an ELF64 little-endian image; <paramref name="name"/> is used in error messages.</summary>
    public static ElfVersionInfo Parse(ReadOnlySpan<byte> elf, string name = "ELF image")
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            Throw.WorkFailed($"{name}: not an ELF file (found no \\x7fELF magic)");
        if (elf[4] != 2 || elf[5] != 1)
            Throw.WorkFailed($"{name}: found ELF class {elf[4]}, data encoding {elf[5]}; expected ELF64 little-endian (2, 1)");

        var shoff = checked((long)U64(elf, 0x28, name));
        int shentsize = U16(elf, 0x3a, name), shnum = U16(elf, 0x3c, name);
        if (shentsize < 64) Throw.WorkFailed($"{name}: section header size {shentsize}, expected at least 64");

        var defined = new List<string>();
        var needed = new List<ElfVersionNeed>();
        for (var i = 0; i < shnum; i++)
        {
            var sh = shoff + (long)i * shentsize;
            var type = U32(elf, sh + 4, name);
            if (type != ShtGnuVerdef && type != ShtGnuVerneed) continue;
            var offset = (long)U64(elf, sh + 0x18, name);
            var link = U32(elf, sh + 0x28, name);
            var count = U32(elf, sh + 0x2c, name); // sh_info: number of entries
            if (link >= shnum) Throw.WorkFailed($"{name}: version section {i} links to string table {link}, beyond {shnum} sections");
            var strSh = shoff + (long)link * shentsize;
            var strOff = (long)U64(elf, strSh + 0x18, name);
            var strSize = (long)U64(elf, strSh + 0x20, name);

            var entry = offset;
            for (var e = 0u; e < count; e++)
            {
                if (type == ShtGnuVerdef)
                {
                    // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32
                    int cnt = U16(elf, entry + 6, name);
                    var aux = entry + U32(elf, entry + 12, name);
                    for (var a = 0; a < cnt; a++)
                    {
                        // Elf64_Verdaux: vda_name u32, vda_next u32
                        defined.Add(CString(elf, strOff, strSize, U32(elf, aux, name), name));
                        aux += U32(elf, aux + 4, name);
                    }
                    var next = U32(elf, entry + 16, name);
                    if (next == 0) break;
                    entry += next;
                }
                else
                {
                    // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                    int cnt = U16(elf, entry + 2, name);
                    var file = CString(elf, strOff, strSize, U32(elf, entry + 4, name), name);
                    var aux = entry + U32(elf, entry + 8, name);
                    for (var a = 0; a < cnt; a++)
                    {
                        // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                        var flags = U16(elf, aux + 4, name);
                        needed.Add(new ElfVersionNeed(file, CString(elf, strOff, strSize, U32(elf, aux + 8, name), name), flags, aux + 4));
                        var auxNext = U32(elf, aux + 12, name);
                        if (auxNext == 0) break;
                        aux += auxNext;
                    }
                    var next = U32(elf, entry + 12, name);
                    if (next == 0) break;
                    entry += next;
                }
            }
        }
        return new ElfVersionInfo(defined, needed);
    }

    private static ReadOnlySpan<byte> At(ReadOnlySpan<byte> elf, long offset, int size, string name)
    {
        if (offset < 0 || offset + size > elf.Length)
            Throw.WorkFailed($"{name}: truncated ELF file (field at offset {offset} of {size} bytes, file has {elf.Length})");
        return elf.Slice((int)offset, size);
    }

    private static ushort U16(ReadOnlySpan<byte> elf, long offset, string name) => BinaryPrimitives.ReadUInt16LittleEndian(At(elf, offset, 2, name));

    private static uint U32(ReadOnlySpan<byte> elf, long offset, string name) => BinaryPrimitives.ReadUInt32LittleEndian(At(elf, offset, 4, name));

    private static ulong U64(ReadOnlySpan<byte> elf, long offset, string name) => BinaryPrimitives.ReadUInt64LittleEndian(At(elf, offset, 8, name));

    private static string CString(ReadOnlySpan<byte> elf, long tableOffset, long tableSize, uint at, string name)
    {
        if (at >= tableSize) Throw.WorkFailed($"{name}: string index {at} beyond its string table of {tableSize} bytes");
        var table = At(elf, tableOffset, (int)tableSize, name)[(int)at..];
        var end = table.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? table : table[..end]);
    }
}
