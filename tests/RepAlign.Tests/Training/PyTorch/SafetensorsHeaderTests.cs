using System.Text;
using RepAlign.Core;
using RepAlign.Training.PyTorch;
using Xunit;

namespace RepAlign.Tests.Training.PyTorch;

/// <summary>
/// A safetensors header that is not UTF-8 (the format's JSON must be) is bad input naming the file and the byte:
/// System.Text.Json checks a string's bytes only when it decodes the string, so such a header parsed and then failed
/// with an InvalidOperationException (exit 1) when a name was read (found by PyTorchFuzzTests, seed 1140874046).
/// </summary>
public class SafetensorsHeaderTests
{
    [Theory]
    [InlineData(0xAE)] // a continuation byte alone
    [InlineData(0xFF)] // never in UTF-8
    [InlineData(0xC3)] // a lead byte without its continuation
    public void A_header_that_is_not_utf8_is_bad_input_naming_the_file_and_the_byte(byte bad)
    {
        using var dir = new ScratchFolder();
        var path = dir.File("weights.safetensors");
        var bytes = SafetensorsFiles.Bytes([new NamedTensor("layer.weight", [2], [1f, 2f], "F32")]);
        var name = Encoding.UTF8.GetBytes("layer.weight");
        var at = bytes.AsSpan().IndexOf(name) + 2; // inside the tensor's name, in the JSON header
        bytes[at] = bad;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<BadInputException>(() => SafetensorsHeader.Check(path));
        Assert.Contains(path, error.Message);
        Assert.Contains($"0x{bad:X2} at header byte {at - 8}", error.Message);
        Assert.Contains("not UTF-8", error.Message);
    }

    [Fact]
    public void A_header_in_utf8_with_other_scripts_reads()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("weights.safetensors");
        SafetensorsFiles.Write(path, [new NamedTensor("schicht.gewicht_η", [2], [1f, 2f], "F32")]);
        Assert.Equal([("schicht.gewicht_η", "F32")], SafetensorsHeader.Check(path));
    }
}
