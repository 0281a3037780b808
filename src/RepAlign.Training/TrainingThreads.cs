using RepAlign.Core.Specs;
using RepAlign.Training.Native;

namespace RepAlign.Training;

/// <summary>
/// The thread count of training, which is process-wide (libtorch has one intra-op pool): every training asks for
/// its <see cref="TrainSpec.Threads"/>, so trainings run side by side must agree, and a caller about to start many
/// of them sets the count once before the first starts.
/// </summary>
public static class TrainingThreads
{
    /// <summary>Makes every training of this process use <paramref name="threads"/> intra-op threads (loads the native runtime first).</summary>
    public static void Use(int threads) => TorchRuntime.UseThreads(threads);
}
