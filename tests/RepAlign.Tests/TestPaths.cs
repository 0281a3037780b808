namespace RepAlign.Tests;

/// <summary>Where the repository and test data are, and scratch folders that clean up after themselves.</summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding RepAlign.sln).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>A file under the repository root.</summary>
    public static string Repo(params string[] parts) => Path.Combine([RepoRoot, .. parts]);

    /// <summary>A file of the test data copied beside the test assembly.</summary>
    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RepAlign.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("RepAlign.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
public sealed class ScratchFolder : IDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "repalign-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Creates the folder.</summary>
    public ScratchFolder() => Directory.CreateDirectory(Path);

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc />
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
