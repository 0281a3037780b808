using System.Text.Json.Nodes;

namespace RepAlign.Tests.Browser;

/// <summary>What a page did in the browser: its figures and which rendered, what it logged and what it requested.</summary>
/// <param name="Figures">Ids of the page's figure divs (div.figure).</param>
/// <param name="Unrendered">Ids of figure divs holding no Plotly SVG (.main-svg).</param>
/// <param name="Errors">Console errors, uncaught exceptions and error log entries, as text.</param>
/// <param name="Requests">URLs requested other than the page's own (data: URLs, inline bytes, are not requests).</param>
public sealed record PageReport(IReadOnlyList<string> Figures, IReadOnlyList<string> Unrendered, IReadOnlyList<string> Errors, IReadOnlyList<string> Requests)
{
    /// <summary>Every problem in one line each (empty: the page is fine).</summary>
    public IReadOnlyList<string> Problems =>
    [
        .. Unrendered.Select(id => $"figure {id} has no rendered Plotly SVG"),
        .. Errors.Select(e => $"error: {e}"),
        .. Requests.Select(u => $"network request: {u}"),
    ];
}

/// <summary>Opens a page in headless chromium and reports what it did (PageReport).</summary>
public static class PageCheck
{
    /// <summary>The default bound of every wait.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Starts a browser of its own in <paramref name="scratch"/>, opens the file and reports.</summary>
    public static async Task<PageReport> OpenAsync(string file, string scratch)
    {
        await using var browser = await HeadlessChromium.StartAsync(BrowserFactAttribute.Executable(), Path.Combine(scratch, "chromium-profile"), Timeout);
        return await OpenAsync(browser, file);
    }

    /// <summary>Opens the file in a new tab: errors, exceptions and requests are recorded from before navigation; waits
    /// for the load event and then until every figure div holds Plotly's SVG (or the timeout passes).</summary>
    public static async Task<PageReport> OpenAsync(HeadlessChromium browser, string file)
    {
        var url = new Uri(Path.GetFullPath(file)).AbsoluteUri;
        var target = (await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }))["targetId"]!.GetValue<string>();
        var session = (await browser.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target, ["flatten"] = true }))["sessionId"]!.GetValue<string>();
        foreach (var domain in new[] { "Runtime.enable", "Log.enable", "Network.enable", "Page.enable" })
            await browser.SendAsync(domain, session: session);
        await browser.SendAsync("Page.navigate", new JsonObject { ["url"] = url }, session);
        if (!await browser.WaitForEventAsync(session, "Page.loadEventFired", Timeout))
            throw new TimeoutException($"{file}: no load event within {Timeout.TotalSeconds} s");

        const string Probe = """
            JSON.stringify((() => {
              const divs = [...document.querySelectorAll('div.figure')];
              return { all: divs.map(d => d.id), unrendered: divs.filter(d => !d.querySelector('.main-svg')).map(d => d.id) };
            })())
            """;
        JsonNode state;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            var result = await browser.SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = Probe, ["returnByValue"] = true }, session);
            state = JsonNode.Parse(result["result"]!["value"]!.GetValue<string>())!;
            if (state["unrendered"]!.AsArray().Count == 0) break;
            await Task.Delay(100);
        } while (clock.Elapsed < TimeSpan.FromSeconds(10));

        var errors = new List<string>();
        var requests = new List<string>();
        foreach (var (method, p) in browser.Events(session))
        {
            switch (method)
            {
                case "Runtime.consoleAPICalled":
                    var type = p["type"]?.GetValue<string>();
                    if (type is "error" or "assert")
                        errors.Add($"console.{type}: " + string.Join(" ", p["args"]!.AsArray().Select(a => (a?["value"] ?? a?["description"])?.ToString())));
                    break;
                case "Runtime.exceptionThrown":
                    var details = p["exceptionDetails"]!;
                    errors.Add("exception: " + (details["exception"]?["description"] ?? details["text"])?.ToString());
                    break;
                case "Log.entryAdded":
                    var entry = p["entry"]!;
                    if (entry["level"]?.GetValue<string>() == "error") errors.Add($"log: {entry["text"]} {entry["url"]}");
                    break;
                case "Network.requestWillBeSent":
                    var requested = p["request"]!["url"]!.GetValue<string>();
                    // data: URLs are inline bytes, not a request (plotly.js probes image support with one).
                    if (requested != url && !requested.StartsWith("data:", StringComparison.Ordinal)) requests.Add(requested);
                    break;
            }
        }
        await browser.SendAsync("Target.closeTarget", new JsonObject { ["targetId"] = target });
        return new PageReport(
            state["all"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray(),
            state["unrendered"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray(),
            errors, requests);
    }
}
