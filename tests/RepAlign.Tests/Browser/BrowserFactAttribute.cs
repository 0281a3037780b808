namespace RepAlign.Tests.Browser;

/// <summary>
/// A test that opens pages in Debian's headless chromium. Where chromium is not installed it is skipped with the
/// reason shown, unless REPALIGN_BROWSER_REQUIRED=1 (set by .ci/run, which installs chromium): then it runs and fails.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Whether CI promised a browser.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("REPALIGN_BROWSER_REQUIRED") == "1";

    /// <summary>Skips visibly when there is no chromium and CI did not require one.</summary>
    public BrowserFactAttribute()
    {
        if (!Required && HeadlessChromium.Find() is null)
            Skip = "no chromium on PATH; .ci/run installs Debian's chromium and sets REPALIGN_BROWSER_REQUIRED=1";
    }

    /// <summary>The chromium executable; fails the test when it is missing (it was required).</summary>
    public static string Executable() =>
        HeadlessChromium.Find() ?? throw new Xunit.Sdk.XunitException("chromium was expected (REPALIGN_BROWSER_REQUIRED=1) but is not on PATH");
}
