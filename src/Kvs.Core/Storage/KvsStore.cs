using System.Runtime.CompilerServices;
using Kvs.Core.Config;
using Kvs.Core.Services;

namespace Kvs.Core.Storage;

/// <summary>
/// The store: the design's pure orchestrator. It owns no data structure and no rule of its own;
/// it sequences the single-job services — storage driver (where entries live), metadata service
/// (versions, history), hashing service (data_hash), key service (namespaces, topics), lock
/// manager (the store lock) — and tells the <see cref="IChangeObserver"/> (events, persistence)
/// about every change. Every command that changes data calls one of the write methods here, so
/// metadata cannot be bypassed.
/// <para>
/// Threading model (docs/adr/0001-threading-model.md): all access happens under
/// <see cref="SyncRoot"/>, taken once per batch of pipelined commands by the network layer and by
/// background jobs (expiry). Inside the lock everything is single-threaded, as in Redis.
/// </para>
/// </summary>
public sealed partial class KvsStore : IKvsStore
{
    private readonly IStorageDriver _driver;
    private readonly IMetadataService _metadata;
    private long _revision;

    public KvsStore(ServerConfig config, IStorageDriver driver, IMetadataService metadata, IHashingService hashing, IKeyService keys, ILockManager locks)
    {
        Config = config;
        _driver = driver;
        _metadata = metadata;
        Hashing = hashing;
        Keys = keys;
        Locks = locks;
        SyncRoot = locks.SyncRoot;
        StartedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        RefreshClock();
    }

    /// <summary>A store composed of the default services (tests and tools).</summary>
    public static KvsStore CreateDefault(ServerConfig config)
    {
        var keys = new KeyService(config);
        var hashing = new Sha256HashingService();
        return new KvsStore(config, new InMemoryStorageDriver(config, keys), new MetadataService(config, hashing), hashing, keys, new GlobalLockManager());
    }

    public ServerConfig Config { get; }
    public IHashingService Hashing { get; }
    public IKeyService Keys { get; }
    public IMetadataService Metadata => _metadata;
    public ILockManager Locks { get; }

    /// <summary>The global lock (the lock manager's); see the class summary.</summary>
    public object SyncRoot { get; }

    public int DatabaseCount => _driver.DatabaseCount;

    public Database GetDatabase(int index) => _driver.GetDatabase(index);

    /// <summary>The store-wide change sequence number of the newest change.</summary>
    public long Revision => _revision;

    /// <summary>Restores the revision counter (persistence); it never goes back.</summary>
    public void EnsureRevisionAtLeast(long revision)
    {
        if (revision > _revision) _revision = revision;
    }

    public long StartedAtMs { get; }

    /// <summary>The command clock in unix milliseconds; refreshed once per batch like Redis's mstime cache.</summary>
    public long Now { get; private set; }

    public long RefreshClock() => Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Seconds since start, the resolution of OBJECT IDLETIME.</summary>
    internal int ClockSeconds => (int)((Now - StartedAtMs) / 1000);

    public StoreStats Stats { get; } = new();

    /// <summary>Observers of changes (events, keyspace notifications, persistence), called under the lock.</summary>
    public IChangeObserver? Observer { get; set; }

    // ---------------------------------------------------------------- reads

    /// <summary>Finds a live key; an expired key is removed on the spot (lazy expiry).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public KvsEntry? Find(Database db, ReadOnlySpan<byte> key)
    {
        var e = _driver.Find(db, key, KeyHash.Compute(key));
        if (e != null && e.ExpiresAt != 0 && e.ExpiresAt <= Now)
        {
            Expire(db, e);
            return null;
        }
        return e;
    }

    /// <summary>Like <see cref="Find(Database, ReadOnlySpan{byte})"/> and counts keyspace hits and misses and the access time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public KvsEntry? Read(Database db, ReadOnlySpan<byte> key)
    {
        var e = Find(db, key);
        if (e == null) Stats.KeyspaceMisses++;
        else
        {
            Stats.KeyspaceHits++;
            e.LastAccess = ClockSeconds;
        }
        return e;
    }

    /// <summary>The entry's current data hash ("computed lazily, always reflects the current value").</summary>
    public byte[] GetDataHash(KvsEntry e) => Hashing.GetDataHash(e);

    // ---------------------------------------------------------------- writes

    /// <summary>Creates a key that is known to be absent.</summary>
    public KvsEntry Create(Database db, ReadOnlySpan<byte> key, object value, KvsType type, WriteContext ctx, long expiresAt = 0, IReadOnlyList<string>? tags = null)
    {
        var e = new KvsEntry(key.ToArray(), KeyHash.Compute(key), value, type, ctx.Op)
        {
            LastAccess = ClockSeconds,
            ExpiresAt = expiresAt,
        };
        _metadata.InitializeNew(e, ctx, Now, ++_revision);
        if (tags != null && tags.Count > 0) e.GetOrCreateExtras().Tags = new HashSet<string>(tags, StringComparer.Ordinal);
        _driver.Add(db, e);
        Observer?.OnChanged(db, e, ChangeKind.Created, ctx);
        return e;
    }

    /// <summary>
    /// Call before modifying an existing entry's value in place (APPEND, INCR, HSET, LPUSH...), then
    /// <see cref="CompleteUpdate"/> after: history and observers capture the previous state here.
    /// </summary>
    public void BeginUpdate(Database db, KvsEntry e, WriteContext ctx)
    {
        Observer?.OnChanging(db, e, ctx);
        _metadata.RecordPrevious(e, valueMutatedInPlace: true);
    }

    /// <summary>Records that an entry changed in place: version, revision, times, op, author; notifies observers.</summary>
    public void CompleteUpdate(Database db, KvsEntry e, WriteContext ctx)
    {
        e.LastAccess = ClockSeconds;
        _metadata.ApplyChange(e, ctx, Now, ++_revision);
        Observer?.OnChanged(db, e, ChangeKind.Updated, ctx);
    }

    /// <summary>A change of metadata only (tags): a new version with the same value.</summary>
    public void Touch(Database db, KvsEntry e, WriteContext ctx)
    {
        Observer?.OnChanging(db, e, ctx);
        _metadata.RecordPrevious(e, valueMutatedInPlace: false);
        CompleteUpdate(db, e, ctx);
    }

    /// <summary>Replaces the value (and type) of an existing key; <paramref name="expiresAt"/> -1 keeps the TTL.</summary>
    public void Replace(Database db, KvsEntry e, object value, KvsType type, WriteContext ctx, long expiresAt)
    {
        Observer?.OnChanging(db, e, ctx);
        _metadata.RecordPrevious(e, valueMutatedInPlace: false);
        e.Value = value;
        e.Type = type;
        e.Flags = EntryFlags.None;
        if (expiresAt >= 0) _driver.SetExpiry(db, e, expiresAt);
        CompleteUpdate(db, e, ctx);
    }

    /// <summary>
    /// Replaces a key's value with a string. A same-length overwrite reuses an array — the current
    /// one when no history entry holds it, else one the history just evicted — so that
    /// steady-state SET allocates nothing (observers copy what they keep in
    /// <see cref="IChangeObserver.OnChanging"/>).
    /// </summary>
    public void ReplaceString(Database db, KvsEntry e, ReadOnlySpan<byte> value, WriteContext ctx, long expiresAt)
    {
        Observer?.OnChanging(db, e, ctx);
        var recyclable = _metadata.RecordPrevious(e, valueMutatedInPlace: false);
        byte[] target;
        if (e.Value is byte[] old && old.Length == value.Length && !_metadata.HistoryReferences(e, old)) target = old;
        else if (recyclable != null && recyclable.Length == value.Length && !_metadata.HistoryReferences(e, recyclable)) target = recyclable;
        else target = new byte[value.Length];
        value.CopyTo(target);
        e.Value = target;
        e.Type = KvsType.String;
        e.Flags = EntryFlags.None;
        if (expiresAt >= 0) _driver.SetExpiry(db, e, expiresAt);
        CompleteUpdate(db, e, ctx);
    }

    /// <summary>Sets or clears (0) the expiry of a key and records the change.</summary>
    public void SetExpiry(Database db, KvsEntry e, long expiresAt, WriteContext ctx)
    {
        Observer?.OnChanging(db, e, ctx);
        _metadata.RecordPrevious(e, valueMutatedInPlace: false);
        _driver.SetExpiry(db, e, expiresAt);
        CompleteUpdate(db, e, ctx);
    }

    /// <summary>Adds and removes tags (KVS.TAG, KVS.SET TAG) as one change; returns false when nothing changed.</summary>
    public bool ChangeTags(Database db, KvsEntry e, IReadOnlyList<string>? add, IReadOnlyList<string>? remove, WriteContext ctx, bool recordChange = true)
    {
        var tags = e.Extras?.Tags;
        bool changes = false;
        if (add != null) foreach (var t in add) changes |= tags == null || !tags.Contains(t);
        if (remove != null && tags != null) foreach (var t in remove) changes |= tags.Contains(t);
        if (!changes) return false;
        // Observers hear of the change before it happens even when the caller records the change
        // itself (KVS.SET TAG ... then ReplaceString): a snapshot in progress must see the old tags.
        Observer?.OnChanging(db, e, ctx);
        if (recordChange) _metadata.RecordPrevious(e, valueMutatedInPlace: false);
        var extras = e.GetOrCreateExtras();
        if (add != null)
        {
            extras.Tags ??= new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in add)
                if (extras.Tags.Add(t)) _driver.AddTag(db, e, t);
        }
        if (remove != null && extras.Tags != null)
        {
            foreach (var t in remove)
                if (extras.Tags.Remove(t)) _driver.RemoveTag(db, e, t);
            if (extras.Tags.Count == 0) extras.Tags = null;
        }
        if (recordChange) CompleteUpdate(db, e, ctx);
        return true;
    }

    /// <summary>Deletes a key by command (DEL, UNLINK, GETDEL, emptied collections...).</summary>
    public void Delete(Database db, KvsEntry e, WriteContext ctx) => Remove(db, e, ChangeKind.Deleted, ctx);

    public bool Delete(Database db, ReadOnlySpan<byte> key, WriteContext ctx)
    {
        var e = Find(db, key);
        if (e == null) return false;
        Remove(db, e, ChangeKind.Deleted, ctx);
        return true;
    }

    /// <summary>Removes an expired key and publishes its expiry.</summary>
    public void Expire(Database db, KvsEntry e)
    {
        Stats.ExpiredKeys++;
        Remove(db, e, ChangeKind.Expired, WriteContext.Internal);
    }

    private void Remove(Database db, KvsEntry e, ChangeKind kind, WriteContext ctx)
    {
        Observer?.OnChanging(db, e, ctx);
        RemoveCore(db, e, kind, ctx);
    }

    private void RemoveCore(Database db, KvsEntry e, ChangeKind kind, WriteContext ctx)
    {
        _driver.Remove(db, e);
        e.Revision = ++_revision;
        Observer?.OnChanged(db, e, kind, ctx);
    }

    /// <summary>
    /// Moves an entry to another key name or database (RENAME, MOVE): the old key is deleted; the
    /// new one keeps the value and all metadata (version, history, tags) and records the change.
    /// </summary>
    public KvsEntry Rename(Database fromDb, KvsEntry e, Database toDb, ReadOnlySpan<byte> newKey, WriteContext ctx)
    {
        // OnChanging before the history push, so observers (a snapshot in progress) see the entry as it was.
        Observer?.OnChanging(fromDb, e, ctx);
        _metadata.RecordPrevious(e, valueMutatedInPlace: false);
        RemoveCore(fromDb, e, ChangeKind.RenamedFrom, ctx);
        var moved = new KvsEntry(newKey.ToArray(), KeyHash.Compute(newKey), e.Value, e.Type, e.LastOp)
        {
            Flags = e.Flags,
            Version = e.Version,
            Revision = e.Revision,
            CreatedAt = e.CreatedAt,
            UpdatedAt = e.UpdatedAt,
            ModifiedBy = e.ModifiedBy,
            ExpiresAt = e.ExpiresAt,
            Extras = e.Extras,
            LastAccess = e.LastAccess,
        };
        _metadata.ApplyChange(moved, ctx, Now, ++_revision);
        _driver.Add(toDb, moved);
        Observer?.OnChanged(toDb, moved, ChangeKind.RenamedTo, ctx);
        return moved;
    }

    public void FlushDatabase(Database db, WriteContext ctx)
    {
        if (db.Count == 0) return;
        _driver.Clear(db);
        _revision++;
        Observer?.OnFlushed(db, ctx);
    }

    public void SwapDatabases(int a, int b, WriteContext ctx)
    {
        _driver.Swap(_driver.GetDatabase(a), _driver.GetDatabase(b));
        _revision++;
        Observer?.OnSwapped(_driver.GetDatabase(a), _driver.GetDatabase(b), ctx);
    }
}

public enum ChangeKind
{
    Created,
    Updated,
    Deleted,
    Expired,
    Evicted,
    RenamedFrom,
    RenamedTo,
}

/// <summary>Receives every change, under the store lock.</summary>
public interface IChangeObserver
{
    /// <summary>
    /// Called before an existing entry is modified or removed (to capture the previous state) —
    /// before any part of it changes, metadata included. It may be called more than once before
    /// one change completes (KVS.SET with TAG).
    /// </summary>
    void OnChanging(Database db, KvsEntry entry, WriteContext ctx);
    void OnChanged(Database db, KvsEntry entry, ChangeKind kind, WriteContext ctx);
    void OnFlushed(Database db, WriteContext ctx);
    void OnSwapped(Database a, Database b, WriteContext ctx);
}

/// <summary>Counters for INFO stats.</summary>
public sealed class StoreStats
{
    public long KeyspaceHits;
    public long KeyspaceMisses;
    public long ExpiredKeys;
    public long EvictedKeys;
    public long ExpiredStalePercentTimes;
}
