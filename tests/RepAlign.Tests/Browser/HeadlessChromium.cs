using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RepAlign.Tests.Browser;

/// <summary>
/// Debian's chromium, headless, driven through the Chrome DevTools Protocol over a WebSocket. Each instance has its
/// own user-data folder and lets chromium pick a free debugging port (written to DevToolsActivePort there), so tests
/// in parallel never share a browser or a port. Every wait is bounded; disposing kills chromium's process tree.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly ConcurrentQueue<(string? Session, string Method, JsonNode Params)> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _timeout;
    private Task _receiving = Task.CompletedTask;
    private int _nextId;

    private HeadlessChromium(Process process, TimeSpan timeout) => (_process, _timeout) = (process, timeout);

    /// <summary>The chromium executable on PATH (chromium, then chromium-browser), or null.</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(dir => new[] { Path.Combine(dir, "chromium"), Path.Combine(dir, "chromium-browser") })
            .FirstOrDefault(File.Exists);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    /// <summary>Starts chromium with its profile in <paramref name="userDataFolder"/> and connects to it.</summary>
    /// <param name="executable">The chromium executable.</param>
    /// <param name="userDataFolder">An empty folder of this test (the profile and DevToolsActivePort go there).</param>
    /// <param name="timeout">The bound of every wait: start, each command, each page.</param>
    public static async Task<HeadlessChromium> StartAsync(string executable, string userDataFolder, TimeSpan timeout)
    {
        Directory.CreateDirectory(userDataFolder);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--headless=new", "--remote-debugging-port=0", $"--user-data-dir={userDataFolder}", "--no-first-run",
                     "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--disable-sync",
                     "--disable-component-update", "--disable-default-apps", "--enable-unsafe-swiftshader", "about:blank",
                 })
            start.ArgumentList.Add(arg);
        // Chromium's sandbox refuses to run as root (CI containers).
        if (OperatingSystem.IsLinux() && GetEffectiveUserId() == 0) start.ArgumentList.Insert(0, "--no-sandbox");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        // Drain its output so that a chatty chromium never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new HeadlessChromium(process, timeout);
        try
        {
            var portFile = Path.Combine(userDataFolder, "DevToolsActivePort");
            var clock = Stopwatch.StartNew();
            string[] lines = [];
            while (lines.Length < 2)
            {
                if (process.HasExited) throw new InvalidOperationException($"chromium exited with {process.ExitCode} before it listened");
                if (clock.Elapsed > timeout) throw new TimeoutException($"chromium wrote no {portFile} within {timeout.TotalSeconds} s");
                await Task.Delay(50);
                if (File.Exists(portFile)) lines = (await File.ReadAllLinesAsync(portFile)).Where(l => l.Length > 0).ToArray();
            }
            using var connect = new CancellationTokenSource(timeout);
            await browser._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0]}{lines[1]}"), connect.Token);
            browser._receiving = Task.Run(browser.ReceiveAsync);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a command (to a page's session when given) and returns its result; throws on a protocol error.</summary>
    public async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null, string? session = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (session is not null) message["sessionId"] = session;
        using var send = new CancellationTokenSource(_timeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, send.Token);
        var done = await Task.WhenAny(reply.Task, Task.Delay(_timeout));
        if (done != reply.Task) throw new TimeoutException($"{method}: no answer from chromium within {_timeout.TotalSeconds} s");
        return await reply.Task;
    }

    /// <summary>The events received so far for a session (method and parameters), in order.</summary>
    public IReadOnlyList<(string Method, JsonNode Params)> Events(string session) =>
        _events.Where(e => e.Session == session).Select(e => (e.Method, e.Params)).ToArray();

    /// <summary>Waits until an event of the session satisfies the condition; false when the timeout passes first.</summary>
    public async Task<bool> WaitForEventAsync(string session, string method, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_events.Any(e => e.Session == session && e.Method == method)) return true;
            if (_receiving.IsCompleted) return false;
            await Task.Delay(20);
        }
        return false;
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                if (node["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var reply))
                {
                    if (node["error"] is { } error) reply.TrySetException(new InvalidOperationException($"chromium: {error.ToJsonString()}"));
                    else reply.TrySetResult(node["result"] ?? new JsonObject());
                }
                else if (node["method"] is { } method)
                    _events.Enqueue((node["sessionId"]?.GetValue<string>(), method.GetValue<string>(), node["params"] ?? new JsonObject()));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or JsonException)
        {
            // The browser went away or the test ended: pending commands fail below.
        }
        foreach (var reply in _pending.Values) reply.TrySetException(new InvalidOperationException("the connection to chromium closed"));
    }

    /// <summary>Closes the connection and kills chromium's process tree (bounded waits).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var close = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", close.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        await Task.WhenAny(_receiving, Task.Delay(TimeSpan.FromSeconds(2)));
        _socket.Dispose();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        _stop.Dispose();
    }
}
