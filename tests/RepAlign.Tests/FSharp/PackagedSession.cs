using System.Diagnostics;
using System.Text.RegularExpressions;

namespace RepAlign.Tests.FSharp;

/// <summary>
/// An isolated, offline NuGet session for running F# scripts and notebooks against freshly packed RepAlign packages:
/// its own HOME (a NuGet.Config with no package source, so only a folder given by <c>#i "nuget: …"</c> serves
/// packages), its own package cache, and the machine's package cache as a read-only fallback for third-party
/// packages. The packages get a version no cache has seen, so a stale RepAlign package can never be picked up;
/// dispose deletes them.
/// </summary>
public sealed partial class PackagedSession : IDisposable
{
    private readonly ScratchFolder scratch = new();

    /// <summary>The folder the packages were packed into.</summary>
    public string PackageFolder { get; }

    /// <summary>The unique package version of this session.</summary>
    public string Version { get; } = $"0.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.ProcessId % 60000}";

    /// <summary>The working directory scripts run in (copy what they read here).</summary>
    public string Work => Path.Combine(scratch.Path, "work");

    private string Home => Path.Combine(scratch.Path, "home");

    private PackagedSession(string packageFolder)
    {
        PackageFolder = packageFolder;
        Directory.CreateDirectory(Work);
        Directory.CreateDirectory(Path.Combine(Home, ".nuget", "NuGet"));
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(Home, ".nuget", "NuGet", "NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /></packageSources>
              <fallbackPackageFolders><add key="machine" value="{cache}" /></fallbackPackageFolders>
            </configuration>
            """);
    }

    /// <summary>Packs the solution's libraries (already built in Release) into <paramref name="packageFolder"/>.</summary>
    public static async Task<PackagedSession> PackAsync(string packageFolder)
    {
        var session = new PackagedSession(packageFolder);
        var (code, output) = await session.RunAsync("dotnet",
            ["pack", TestPaths.Repo("RepAlign.sln"), "-c", "Release", "--no-build", "-o", packageFolder, $"-p:PackageVersion={session.Version}"],
            TestPaths.RepoRoot, TimeSpan.FromMinutes(5), isolated: false);
        if (code != 0) throw new InvalidOperationException($"dotnet pack failed ({code}):\n{output}");
        return session;
    }

    /// <summary>The packages this session packed.</summary>
    public string[] Packages() => Directory.GetFiles(PackageFolder, $"RepAlign.*.{Version}.nupkg");

    /// <summary>Runs a program in the session (HOME and package cache isolated unless <paramref name="isolated"/> is false).</summary>
    public async Task<(int Code, string Output)> RunAsync(string program, IEnumerable<string> args, string workingDirectory, TimeSpan timeout,
        bool isolated = true, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        if (isolated)
        {
            start.Environment["HOME"] = Home;
            start.Environment["NUGET_PACKAGES"] = Path.Combine(scratch.Path, "packages");
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout}");
        }
        return (process.ExitCode, await stderr + await stdout);
    }

    [GeneratedRegex("""#i "nuget: ([^"]+)"\n""")]
    private static partial Regex PackageSource();

    /// <summary>The folder a script's <c>#i "nuget: …"</c> line names, or null.</summary>
    public static string? SourceOf(string script) => PackageSource().Match(script) is { Success: true } m ? m.Groups[1].Value : null;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in Packages()) File.Delete(p);
        scratch.Dispose();
    }
}
