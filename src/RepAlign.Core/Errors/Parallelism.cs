using System.Runtime.ExceptionServices;

namespace RepAlign.Core;

/// <summary>Loops whose iterations run side by side and whose failures surface as themselves.</summary>
public static class Parallelism
{
    /// <summary>
    /// Runs <paramref name="body"/>(i) for i in [0, <paramref name="count"/>), at most <paramref name="degree"/> at once
    /// (on the calling thread and pool threads), and rethrows the first failure as itself (a bad input, a failed piece
    /// of work or a cancellation), not wrapped in an <see cref="AggregateException"/>.
    /// </summary>
    public static void For(int count, int degree, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, degree) }, body);
        }
        catch (AggregateException e)
        {
            var inner = e.Flatten().InnerExceptions;
            ExceptionDispatchInfo.Capture(inner.FirstOrDefault(x => x is not OperationCanceledException) ?? inner[0]).Throw();
        }
    }
}
