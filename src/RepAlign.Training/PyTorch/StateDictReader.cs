using System.Collections;
using System.IO.Compression;
using RepAlign.Core;
using RepAlign.Training.Native;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace RepAlign.Training.PyTorch;

/// <summary>One tensor of a weight file, as float32.</summary>
/// <param name="Name">Its key in the file's state_dict.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Values">Its values, row-major.</param>
/// <param name="Dtype">The dtype the file stores it in (e.g. Float32, Float16).</param>
public sealed record NamedTensor(string Name, long[] Shape, float[] Values, string Dtype);

/// <summary>The tensors of one weight file and the time it holds inside.</summary>
/// <param name="Path">The file.</param>
/// <param name="Tensors">The state_dict's tensors (in no meaningful order: a pickled dictionary is read into a hash table).</param>
/// <param name="Epoch">The <c>epoch</c> entry of a checkpoint dictionary (Lightning's), or null.</param>
/// <param name="Step">The <c>global_step</c> (or <c>step</c>) entry of a checkpoint dictionary, or null.</param>
public sealed record StateDict(string Path, IReadOnlyList<NamedTensor> Tensors, int? Epoch, long? Step);

/// <summary>
/// Reads PyTorch weight files with TorchSharp.PyBridge: <c>torch.save</c> archives (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>,
/// Lightning's <c>.ckpt</c>) after <see cref="PickleScreen"/> has passed their <c>data.pkl</c>, and safetensors files
/// after <see cref="SafetensorsHeader"/> has passed their header. PyBridge loads a state_dict straight into a module
/// only when the file is that state_dict; a checkpoint dictionary (Lightning's <c>{"epoch", "global_step",
/// "state_dict", "optimizer_states", …}</c>, or <c>{"epoch", "model_state_dict", …}</c>) is unpickled whole here and
/// its state_dict taken out. Everything PyBridge throws on a file is <see cref="BadInputException"/> naming it.
/// </summary>
public static class StateDictReader
{
    /// <summary>The file extensions read (lower case).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".pt", ".pth", ".bin", ".ckpt", ".safetensors"];

    /// <summary>Keys of a checkpoint dictionary that hold the model's state_dict, in the order they are looked for.</summary>
    public static IReadOnlyList<string> StateDictKeys { get; } = ["state_dict", "model_state_dict", "model"];

    /// <summary>The largest <c>data.pkl</c> screened and unpickled.</summary>
    public const long MaxPickleBytes = 64L << 20;

    /// <summary>Whether <paramref name="path"/> has one of <see cref="Extensions"/>.</summary>
    public static bool Reads(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>Reads <paramref name="path"/>; <see cref="BadInputException"/> naming it for anything unreadable, refused or not a state_dict.</summary>
    public static StateDict Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) Throw.BadInput($"{path}: file not found (expected a .pt, .pth, .bin, .ckpt or .safetensors file)");
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope(); // every tensor PyBridge makes is freed on return
        return string.Equals(Path.GetExtension(path), ".safetensors", StringComparison.OrdinalIgnoreCase) ? Safetensors(path) : Pickled(path);
    }

    private static StateDict Safetensors(string path)
    {
        SafetensorsHeader.Check(path);
        var loaded = Guard(path, () => TorchSharp.PyBridge.Safetensors.LoadStateDict(path));
        return new StateDict(path, loaded.Select(kv => Convert(path, kv.Key, kv.Value)).ToArray(), null, null);
    }

    private static StateDict Pickled(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        var isZip = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("PK\u0003\u0004"u8);
        stream.Position = 0;
        if (!isZip)
        {
            // A pickle written by pickle.dump or torch.save(..., _use_new_zipfile_serialization=False): screened, so a
            // malicious one is named as such, then refused as a format PyBridge does not read.
            var bytes = new byte[Math.Min(stream.Length, 1 << 20)];
            stream.ReadExactly(bytes);
            PickleScreen.Check(bytes, path);
            Throw.BadInput($"{path}: not a zip archive: a raw pickle or the legacy torch.save format (before PyTorch 1.6, or _use_new_zipfile_serialization=False), which is not read; re-save it with torch.save(model.state_dict(), path)");
        }
        var stored = Guard(path, () =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var entry = zip.Entries.FirstOrDefault(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal)) // PyBridge's own rule
                        ?? Throw.BadInput<ZipArchiveEntry>($"{path}: a zip archive without data.pkl, expected a torch.save file");
            if (entry.Length > MaxPickleBytes)
                Throw.BadInput($"{path}: {entry.FullName} holds {entry.Length} bytes, expected at most {MaxPickleBytes} (a state_dict's pickle holds names and shapes; the tensors are separate entries)");
            var pickle = new byte[entry.Length];
            using (var s = entry.Open())
            {
                s.ReadExactly(pickle);
                if (s.ReadByte() >= 0) Throw.BadInput($"{path}: {entry.FullName} holds more bytes than its zip entry declares (a corrupt archive)");
            }
            PickleScreen.Check(pickle, $"{path}: {entry.FullName}",
                key => zip.Entries.FirstOrDefault(e => e.FullName.EndsWith($"data/{key}", StringComparison.Ordinal))?.Length); // PyBridge's rule
            return zip.Entries.Where(e => e.FullName.Contains("/data/", StringComparison.Ordinal) && e.Name.Length > 0 && e.Name.All(char.IsAsciiDigit)).Sum(e => e.Length);
        });
        stream.Position = 0;
        var root = Guard(path, () => PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true));
        CheckEveryByteRead(path, root, stored);
        var (dict, epoch, step) = Unwrap(path, root);
        var tensors = new List<NamedTensor>();
        foreach (DictionaryEntry e in dict)
        {
            var name = e.Key as string ?? Throw.BadInput<string>($"{path}: a state_dict key {e.Key} of type {e.Key.GetType().Name}, expected parameter names (strings)");
            if (e.Value is not Tensor t)
                return Throw.BadInput<StateDict>($"{path}: state_dict entry '{name}' is {Describe(e.Value)}, expected a tensor");
            tensors.Add(Convert(path, name, t));
        }
        return new StateDict(path, tensors, epoch, step);
    }

    /// <summary>
    /// PyBridge reads each tensor's elements × element size from the start of its storage entry and does not compare
    /// that with the entry's length, so a dtype or shape that does not fit its stored bytes would load garbage. Every
    /// distinct tensor of the file (a state_dict's own storage each) must together read exactly the stored bytes.
    /// </summary>
    private static void CheckEveryByteRead(string path, Hashtable root, long stored)
    {
        var tensors = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance); // a pickle's memo can make a list hold itself
        var pending = new Stack<object?>([root]);
        while (pending.TryPop(out var item))
        {
            if (item is IEnumerable and not string && !seen.Add(item)) continue;
            switch (item)
            {
                case Tensor t: tensors.Add(t); break;
                case IDictionary d: foreach (DictionaryEntry e in d) { pending.Push(e.Key); pending.Push(e.Value); } break;
                case IEnumerable list when item is not string: foreach (var x in list) pending.Push(x); break;
            }
        }
        var read = tensors.Sum(t => t.NumberOfElements * t.ElementSize);
        if (read != stored)
            Throw.BadInput($"{path}: its tensors' shapes and dtypes account for {read} bytes, its data entries hold {stored}; expected each tensor to own its stored bytes (a dtype or shape that does not fit its data, or tensors sharing storage, which is not read)");
    }

    /// <summary>The state_dict of a file: the root when every value is a tensor, else the root's <see cref="StateDictKeys"/> entry with the root's epoch and step.</summary>
    private static (IDictionary Dict, int? Epoch, long? Step) Unwrap(string path, Hashtable root)
    {
        if (root.Values.Cast<object?>().All(v => v is Tensor)) return (root, null, null);
        var key = StateDictKeys.FirstOrDefault(k => root[k] is IDictionary);
        if (key is null)
        {
            var keys = string.Join(", ", root.Keys.Cast<object>().Select(k => $"'{k}'").Take(12));
            return Throw.BadInput<(IDictionary, int?, long?)>($"{path}: a dictionary with keys {keys}, not all tensors and none of {string.Join(", ", StateDictKeys)} holding a state_dict; expected torch.save(model.state_dict(), path) or a checkpoint dictionary such as Lightning's");
        }
        var epoch = Integer(path, root, "epoch");
        var step = Integer(path, root, "global_step") ?? Integer(path, root, "step");
        if (epoch > int.MaxValue) Throw.BadInput($"{path}: epoch {epoch}, expected a whole number up to {int.MaxValue}");
        return ((IDictionary)root[key]!, (int?)epoch, step);
    }

    private static long? Integer(string path, Hashtable root, string key) => root[key] switch
    {
        null => null,
        int i when i >= 0 => i,
        long l when l >= 0 => l,
        var other => Throw.BadInput<long?>($"{path}: checkpoint entry '{key}' is {Describe(other)}, expected a whole number ≥ 0"),
    };

    private static NamedTensor Convert(string path, string name, Tensor t)
    {
        if (!is_floating_point(t))
            Throw.BadInput($"{path}: parameter '{name}' has dtype {t.dtype}, expected a floating-point tensor (float32, float64, float16 or bfloat16)");
        var values = t.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        return new NamedTensor(name, t.shape, values, t.dtype.ToString());
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"the string '{s}'",
        IDictionary => "a dictionary",
        IList => "a list",
        _ => $"a {value.GetType().Name}",
    };

    /// <summary>Runs a PyBridge call; what it throws on this file becomes <see cref="BadInputException"/> naming the file.</summary>
    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not (BadInputException or OutOfMemoryException or OperationCanceledException))
        {
            return Throw.BadInput<T>($"{path}: not a readable PyTorch weight file: {e.GetType().Name}: {e.Message.Split('\n')[0]}", e);
        }
    }
}
