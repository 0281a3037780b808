namespace RepAlign.Core.Runs;

/// <summary>Where RepAlign keeps what it can rebuild (downloaded data, the content-hash cache) outside run folders.</summary>
public static class CacheFolder
{
    /// <summary>
    /// <c>$REPALIGN_CACHE</c>, else <c>$XDG_CACHE_HOME/repalign</c>, else <c>~/.cache/repalign</c>; null when none of
    /// them can be known (no home folder).
    /// </summary>
    public static string? Root
    {
        get
        {
            var own = Environment.GetEnvironmentVariable("REPALIGN_CACHE");
            if (!string.IsNullOrEmpty(own)) return own;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "repalign");
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "repalign");
        }
    }
}
