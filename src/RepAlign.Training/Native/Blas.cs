using System.Runtime.InteropServices;

namespace RepAlign.Training.Native;

/// <summary>
/// The single-precision GEMM that libtorch itself calls on the CPU (<c>sgemm_</c> of the BLAS linked into
/// libtorch_cpu), called directly: the same routine with the same arguments rounds the same, without libtorch's per-call
/// dispatch, allocation and bookkeeping, which for the MNIST step's small matrices took about half as long as the
/// arithmetic. Column-major, as BLAS is; callers pass what libtorch passes for the row-major operation they replace,
/// and <c>Loop/KernelAgreement</c> checks each shape against libtorch before it is used.
/// </summary>
internal static unsafe class Blas
{
    private static readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void> Sgemm = Find();

    private static readonly delegate* unmanaged<int*, int> SetLocalThreads = (delegate* unmanaged<int*, int>)Export("mkl_set_num_threads_local");
    private static readonly delegate* unmanaged<int> MaxThreads = (delegate* unmanaged<int>)Export("mkl_get_max_threads");

    /// <summary>Whether libtorch's <c>sgemm_</c> was found (Linux builds of libtorch with a BLAS export it), with MKL's per-thread thread count.</summary>
    public static bool Available => Sgemm != null && SetLocalThreads != null;

    /// <summary>How many threads BLAS would use for a call from this thread (MKL's <c>mkl_get_max_threads</c>).</summary>
    public static int ThreadsHere => MaxThreads == null ? 0 : MaxThreads();

    /// <summary>
    /// Makes BLAS calls from this thread run on this thread alone (MKL's <c>mkl_set_num_threads_local(1)</c>) and returns
    /// the setting it replaces, for <see cref="RestoreThreadsHere"/>. A thread libtorch did not start takes OpenMP's
    /// default (every core) otherwise, and a GEMM split across threads may round otherwise. Does nothing where
    /// <see cref="Available"/> is false.
    /// </summary>
    public static int OneThreadHere() => SetLocalThreadsTo(1);

    /// <summary>Puts back this thread's BLAS setting that <see cref="OneThreadHere"/> replaced.</summary>
    public static void RestoreThreadsHere(int previous) => SetLocalThreadsTo(previous);

    private static int SetLocalThreadsTo(int threads) => SetLocalThreads == null ? 0 : SetLocalThreads(&threads); // the export takes its argument by reference

    /// <summary>
    /// C ← α·op(A)·op(B) + β·C in column-major storage: op(A) is m×k (A itself k×m when <paramref name="transposeA"/>),
    /// op(B) k×n, C m×n with leading dimension <paramref name="ldc"/>. With β = 0, C is not read.
    /// </summary>
    public static void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (Sgemm == null) RepAlign.Core.Throw.Invariant("libtorch's sgemm_ is not available; check Blas.Available first");
        byte ta = transposeA ? (byte)'T' : (byte)'N', tb = transposeB ? (byte)'T' : (byte)'N';
        Sgemm(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
    }

    private static delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void> Find() =>
        (delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void>)Export("sgemm_");

    /// <summary>The address of libtorch_cpu's export <paramref name="name"/>, or zero where there is none.</summary>
    private static IntPtr Export(string name)
    {
        if (!OperatingSystem.IsLinux()) return IntPtr.Zero;
        try
        {
            TorchRuntime.EnsureLoaded();
            var library = NativeLibrary.Load(Path.Combine(TorchRuntime.FindLibTorchFolder(), "libtorch_cpu.so"));
            return NativeLibrary.TryGetExport(library, name, out var address) ? address : IntPtr.Zero;
        }
        catch (RepAlign.Core.WorkFailedException)
        {
            return IntPtr.Zero; // no libtorch folder to look in: the step keeps libtorch's own operations
        }
    }
}
