using Microsoft.FSharp.Collections;
using RepAlign.Analysis;
using static RepAlign.Analysis.Figure;

namespace RepAlign.Tests.Browser;

/// <summary>The browser check itself: a good page passes, and each fault it looks for is found.</summary>
public class PageCheckTests
{
    private static string Page(string extra)
    {
        var f = figure("good", "a line", linear("x (units)"), linear("y (units)"), 400, 300,
            ListModule.OfArray([measured("measured", [0.0, 1, 2], [1.0, 3, 2]), theory("theory", [0.0, 1, 2], [1.0, 2.5, 2])]));
        var sections = ListModule.OfArray([new HtmlPage.Section("h", "t", ListModule.OfArray([HtmlPage.Block.NewFigures(ListModule.OfArray([f]))]))]);
        return HtmlPage.render("check", "a page", sections).Replace("</body>", extra + "</body>", StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task AGoodPagePassesAndEveryFaultIsFound()
    {
        using var scratch = new ScratchFolder();
        await using var browser = await HeadlessChromium.StartAsync(BrowserFactAttribute.Executable(), scratch.File("profile"), PageCheck.Timeout);
        async Task<PageReport> Open(string name, string extra)
        {
            var file = scratch.File(name + ".html");
            await File.WriteAllTextAsync(file, Page(extra));
            return await PageCheck.OpenAsync(browser, file);
        }

        var good = await Open("good", "");
        Assert.Equal(["figure-good"], good.Figures);
        Assert.Empty(good.Problems);

        var thrown = await Open("thrown", "<script>notAFunction();</script>");
        Assert.Contains(thrown.Errors, e => e.StartsWith("exception:", StringComparison.Ordinal) && e.Contains("notAFunction", StringComparison.Ordinal));

        var logged = await Open("logged", "<script>console.error('something broke');</script>");
        Assert.Contains("console.error: something broke", logged.Errors);

        // A closed local port: the request is made (and refused) without leaving the machine.
        var fetched = await Open("fetched", "<img src=\"http://127.0.0.1:9/tile.png\">");
        Assert.Contains("http://127.0.0.1:9/tile.png", fetched.Requests);

        var blank = await Open("blank", "<div class=\"figure\" id=\"figure-never-drawn\"></div>");
        Assert.Equal(["figure-never-drawn"], blank.Unrendered);
        Assert.All(new[] { thrown, logged, fetched, blank }, r => Assert.NotEmpty(r.Problems));
    }
}
