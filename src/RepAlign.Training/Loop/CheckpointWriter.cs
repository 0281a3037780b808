using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Onnx;
using RepAlign.Training.Onnx;

namespace RepAlign.Training.Loop;

/// <summary>
/// Writes checkpoints on a second thread while training goes on. The training thread builds each checkpoint's ONNX
/// model (<see cref="OnnxExporter.Build"/>, which copies the weights into the model: a snapshot that later steps do
/// not change) and hands it over; the writer thread serialises it and writes it atomically. At most
/// <see cref="Capacity"/> models wait, so memory stays bounded (a full queue makes the training thread wait). A write
/// that fails is reported by the next <see cref="Enqueue"/> or by <see cref="Complete"/>; files are written under a
/// temporary name and renamed, so none is ever seen half-written.
/// </summary>
internal sealed class CheckpointWriter : IDisposable
{
    /// <summary>Models waiting to be written at most (besides the one being written).</summary>
    public const int Capacity = 2;

    private readonly BlockingCollection<(ModelProto Model, string Path)> queue = new(Capacity);
    private readonly Task writer;
    private ExceptionDispatchInfo? failure;

    /// <summary>Starts the writer thread.</summary>
    public CheckpointWriter() =>
        writer = Task.Factory.StartNew(Drain, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Queues <paramref name="model"/> for <paramref name="path"/>; waits while the queue is full. Rethrows an earlier write's failure.</summary>
    public void Enqueue(ModelProto model, string path)
    {
        Volatile.Read(ref failure)?.Throw();
        queue.Add((model, path));
    }

    /// <summary>Waits until every queued checkpoint is written; rethrows the first failure.</summary>
    public void Complete()
    {
        if (!queue.IsAddingCompleted) queue.CompleteAdding();
        writer.Wait();
        Volatile.Read(ref failure)?.Throw();
    }

    private void Drain()
    {
        foreach (var (model, path) in queue.GetConsumingEnumerable())
        {
            if (Volatile.Read(ref failure) is not null) continue; // keep taking, so a waiting Enqueue is released and reports the failure
            try
            {
                OnnxExporter.WriteAtomically(model, path);
            }
            catch (Exception e)
            {
                Volatile.Write(ref failure, ExceptionDispatchInfo.Capture(e));
            }
        }
    }

    /// <summary>Stops taking checkpoints and waits for the ones queued (their failures are not rethrown here).</summary>
    public void Dispose()
    {
        if (!queue.IsAddingCompleted) queue.CompleteAdding();
        writer.Wait();
        queue.Dispose();
    }
}
