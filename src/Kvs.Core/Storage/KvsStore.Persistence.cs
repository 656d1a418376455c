namespace Kvs.Core.Storage;

/// <summary>Store primitives for persistence: loading entries as they were, and replaying the log deterministically.</summary>
public sealed partial class KvsStore
{
    /// <summary>
    /// Adds an observer next to those already registered, so that events, keyspace notifications
    /// and persistence each get every change.
    /// </summary>
    public void AddObserver(IChangeObserver observer) =>
        Observer = Observer == null ? observer : new CompositeChangeObserver(Observer, observer);

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

/// <summary>Two observers as one (<see cref="KvsStore.AddObserver"/> nests them for more).</summary>
public sealed class CompositeChangeObserver(IChangeObserver first, IChangeObserver second) : IChangeObserver
{
    public void OnChanging(Database db, KvsEntry entry, WriteContext ctx)
    {
        first.OnChanging(db, entry, ctx);
        second.OnChanging(db, entry, ctx);
    }

    public void OnChanged(Database db, KvsEntry entry, ChangeKind kind, WriteContext ctx)
    {
        first.OnChanged(db, entry, kind, ctx);
        second.OnChanged(db, entry, kind, ctx);
    }

    public void OnFlushed(Database db, WriteContext ctx)
    {
        first.OnFlushed(db, ctx);
        second.OnFlushed(db, ctx);
    }

    public void OnSwapped(Database a, Database b, WriteContext ctx)
    {
        first.OnSwapped(a, b, ctx);
        second.OnSwapped(a, b, ctx);
    }
}
