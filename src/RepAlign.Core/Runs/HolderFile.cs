using System.Diagnostics;
using System.Text.Json;

namespace RepAlign.Core.Runs;

/// <summary>How a holder keeps a run folder: <c>flock</c> where <see cref="FlockProbe"/> trusts it, else only its holder file.</summary>
public enum LockMode
{
    /// <summary>An OS file lock that excludes other processes, and the holder file.</summary>
    Flock,
    /// <summary>The holder file alone (created with O_EXCL), kept alive by its heartbeat.</summary>
    ExclusiveFile,
}

/// <summary>Who holds a run folder's lock: what <see cref="RunLock"/> writes into <c>.repalign.lock.holder</c>.</summary>
/// <param name="Pid">Process id of the holder.</param>
/// <param name="Command">Its command line.</param>
/// <param name="SinceUtc">When it took the lock.</param>
public sealed record LockHolder(int Pid, string Command, DateTime SinceUtc)
{
    /// <summary>The holding process (host, pid, boot, start time); null in files of earlier versions.</summary>
    public ProcessStamp? Process { get; init; }

    /// <summary>A value unique to this holding, so a breaker removes only the holder file it judged stale.</summary>
    public string Token { get; init; } = "";

    /// <summary>How the holder keeps the folder.</summary>
    public LockMode? Mode { get; init; }
}

/// <summary>
/// The holder file: created with O_EXCL (<see cref="FileMode.CreateNew"/>, atomic on local filesystems and NFS v3+), so
/// exactly one process creates it, whatever the OS file lock does; its modification time is the holder's heartbeat.
/// </summary>
internal static class HolderFile
{
    /// <summary>Creates the holder file for <paramref name="holder"/>; false when one exists already.</summary>
    public static bool TryCreate(string path, LockHolder holder)
    {
        FileStream stream;
        try { stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, 1); }
        catch (IOException) when (File.Exists(path)) { return false; }
        using (stream)
        {
            stream.Write(JsonSerializer.SerializeToUtf8Bytes(holder, RepAlignJson.Options));
            stream.Flush(flushToDisk: true);
        }
        return true;
    }

    /// <summary>The holder the file names, or null when it is missing, unreadable or not (yet) whole.</summary>
    public static LockHolder? Read(string path)
    {
        try { return JsonSerializer.Deserialize<LockHolder>(File.ReadAllText(path), RepAlignJson.Options); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException) { return null; }
    }

    /// <summary>The heartbeat: the file's modification time (UTC), or null when it is gone.</summary>
    public static DateTime? Heartbeat(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.LastWriteTimeUtc : null;
    }

    /// <summary>Beats: sets the modification time to now; false when the file is gone or names another holding (the lock was broken).</summary>
    public static bool Beat(string path, string token)
    {
        if (Read(path) is not { } holder || holder.Token != token) return false;
        try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Deletes the holder file if it still names <paramref name="token"/>.</summary>
    public static void Remove(string path, string token)
    {
        try { if (Read(path)?.Token == token) File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Removes a holder file judged stale, if it is still the one judged (same token, or for an unreadable one the same
    /// heartbeat). Breakers of one stale file are serialised by a second O_EXCL file named after it, so none of them can
    /// remove a holder file that another breaker created in the meantime.
    /// </summary>
    public static void Break(string path, LockHolder? judged, DateTime? judgedBeat)
    {
        var id = judged?.Token is { Length: > 0 } t ? t : $"beat{judgedBeat?.Ticks ?? 0}";
        var guard = $"{path}.break-{id}";
        try { new FileStream(guard, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1).Dispose(); }
        catch (IOException) { return; } // another process is breaking it
        try
        {
            var now = Read(path);
            var same = judged is null ? now is null && Heartbeat(path) == judgedBeat : now?.Token == judged.Token;
            if (same) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        finally
        {
            try { File.Delete(guard); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// What a waiter has seen of a holder file: the holding and heartbeat last seen and since when (by this process's
    /// own clock), so staleness is judged without comparing clocks of different machines.
    /// </summary>
    public sealed class Watch
    {
        private string? token;
        private DateTime? beat;
        private long since = Stopwatch.GetTimestamp();

        /// <summary>Notes what the file holds now; returns how long it has looked the same.</summary>
        public TimeSpan Unchanged(LockHolder? holder, DateTime? heartbeat)
        {
            if (holder?.Token != token || heartbeat != beat)
            {
                (token, beat, since) = (holder?.Token, heartbeat, Stopwatch.GetTimestamp());
            }
            return Stopwatch.GetElapsedTime(since);
        }
    }
}
