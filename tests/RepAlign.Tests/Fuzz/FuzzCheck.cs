using CsCheck;
using RepAlign.Core;

namespace RepAlign.Tests.Fuzz;

/// <summary>
/// The bad-input contract every fuzz case must keep: it succeeds (exit 0) or fails with <see cref="BadInputException"/>
/// (exit 2) naming the file; and the driver every fuzz test runs its cases through (<see cref="Run{T}"/>): seeded, each case on its own thread with a time limit that only a hung case reaches, the
/// seed printed, <c>REPALIGN_TEST_SEED</c> replaying it.
/// </summary>
public static class FuzzCheck
{
    /// <summary>How many generated cases each fuzz test runs (the issue asks for at least 1,000).</summary>
    public const long Cases = 1000;

    /// <summary>How long one case may run before it counts as hung: far beyond any case's time, well inside CI's limit.</summary>
    private static readonly TimeSpan Hung = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Generates <paramref name="cases"/> values from <paramref name="gen"/> in a sequence fixed by one seed and checks
    /// each with <paramref name="check"/>. The seed is <c>REPALIGN_TEST_SEED</c> when set, else drawn, and printed
    /// through <paramref name="print"/> before the first case; a failing case names its seed and its index.
    /// </summary>
    public static void Run<T>(string name, Gen<T> gen, Action<T> check, Action<string> print, long cases = Cases)
    {
        var given = Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED");
        var seed = ulong.TryParse(given, out var s) ? s : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        print($"{name}: seed {seed} (REPALIGN_TEST_SEED={seed} replays these {cases} cases)");
        var pcg = new PCG(1, seed);
        for (long i = 0; i < cases; i++)
        {
            var value = gen.Generate(pcg, null, out _);
            // Each case on its own thread, so that a reader that never returns fails this case, naming its seed, instead of hanging the suite.
            var run = Task.Factory.StartNew(() => check(value), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                if (!run.Wait(Hung))
                    throw new TimeoutException($"did not return within {Hung.TotalMinutes} min (a case takes milliseconds to seconds)");
            }
            catch (Exception e)
            {
                var error = e is AggregateException { InnerExceptions: [var inner] } ? inner : e;
                throw new Xunit.Sdk.XunitException($"{name}: case {i} of seed {seed} (replay with REPALIGN_TEST_SEED={seed}) failed: {error.GetType().Name}: {error.Message}\ninput: {Shorten(Check.Print(value))}", error);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="act"/>: success is exit 0; a <see cref="BadInputException"/> is exit 2 and its message must
    /// name <paramref name="names"/> (one of them). Any other exception escapes and fails the test (it would be exit 1 or a crash).
    /// </summary>
    /// <returns>0 or 2, the exit code the command line would give.</returns>
    public static int ExitCode(Action act, params string[] names)
    {
        try
        {
            act();
            return 0;
        }
        catch (BadInputException e)
        {
            Assert.True(names.Any(n => e.Message.Contains(n, StringComparison.Ordinal)),
                $"message does not name {string.Join(" or ", names)}: {e.Message}");
            return 2;
        }
    }

    /// <summary>No temporary or partial file (write-then-rename leftovers) under <paramref name="folder"/>.</summary>
    public static void NoTemporaryFiles(string folder)
    {
        if (!Directory.Exists(folder)) return;
        var left = Directory.EnumerateFiles(folder, "*.tmp-*", SearchOption.AllDirectories).ToArray();
        Assert.True(left.Length == 0, "temporary files left: " + string.Join(", ", left));
    }

    private static string Shorten(string text) => text.Length <= 2000 ? text : text[..2000] + $"… ({text.Length} characters)";

    /// <summary>Counts outcomes so a test can show it exercised both sides of the contract.</summary>
    public sealed class Tally
    {
        private long _ok, _bad;

        /// <summary>Records an exit code.</summary>
        public void Add(int code)
        {
            if (code == 0) Interlocked.Increment(ref _ok);
            else Interlocked.Increment(ref _bad);
        }

        /// <summary>Cases that ended with exit 0.</summary>
        public long Ok => Interlocked.Read(ref _ok);

        /// <summary>Cases that ended with exit 2.</summary>
        public long Bad => Interlocked.Read(ref _bad);

        /// <summary>Asserts the total and that valid and bad input each occurred at least <paramref name="minEachOk"/> and <paramref name="minEachBad"/> times.</summary>
        /// <returns>The tally as one line, for the test's output.</returns>
        public string AssertSeen(long total, long minEachOk, long minEachBad)
        {
            Assert.Equal(total, Ok + Bad);
            Assert.True(Ok >= minEachOk, $"only {Ok} of {total} cases were valid input");
            Assert.True(Bad >= minEachBad, $"only {Bad} of {total} cases were bad input");
            return $"fuzz: {total} cases, {Ok} exit 0, {Bad} exit 2 naming the file";
        }
    }
}
