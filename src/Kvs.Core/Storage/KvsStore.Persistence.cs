namespace Kvs.Core.Storage;

/// <summary>Store primitives for persistence: loading entries as they were, and replaying the log deterministically.</summary>
public sealed partial class KvsStore
{
    /// <summary>Sets the command clock while replaying the log (each record carries the time its command ran at).</summary>
    public void SetClockForReplay(long unixMs) => Now = unixMs;

    /// <summary>Sets the revision counter while loading (to a record's revision-before); unlike <see cref="EnsureRevisionAtLeast"/> it may go back.</summary>
    public void RestoreRevision(long revision) => _revision = revision;

    /// <summary>Inserts an entry read from a snapshot with its metadata untouched (no revision, no observers).</summary>
    public void LoadEntry(Database db, KvsEntry entry)
    {
        var existing = _driver.Find(db, entry.Key, entry.Hash);
        if (existing != null) _driver.Remove(db, existing);
        _driver.Add(db, entry);
    }

    /// <summary>
    /// Replays a logged removal that no command performed (expiry, eviction): removes the key
    /// whatever its TTL says at the replay clock. Returns false when the key is absent.
    /// </summary>
    public bool RemoveForReplay(Database db, ReadOnlySpan<byte> key, ChangeKind kind)
    {
        var e = _driver.Find(db, key, KeyHash.Compute(key));
        if (e == null) return false;
        if (kind == ChangeKind.Expired) Stats.ExpiredKeys++;
        else if (kind == ChangeKind.Evicted) Stats.EvictedKeys++;
        Remove(db, e, kind, WriteContext.Internal);
        return true;
    }
}
