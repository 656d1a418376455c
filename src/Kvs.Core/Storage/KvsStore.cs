using System.Runtime.CompilerServices;
using Kvs.Core.Config;

namespace Kvs.Core.Storage;

/// <summary>
/// The store: all databases, the store-wide revision counter and the single place through which
/// every change passes, so that no command can change a value without its metadata following.
/// <para>
/// Threading model (docs/adr/0001-threading-model.md): all access happens under
/// <see cref="SyncRoot"/>, taken once per batch of pipelined commands by the network layer and by
/// background jobs (expiry). Inside the lock everything is single-threaded, as in Redis, which is
/// what makes MULTI/EXEC and scripts atomic for free and keeps the data structures lock-free.
/// </para>
/// </summary>
public sealed partial class KvsStore
{
    private readonly Database[] _databases;
    private long _revision;

    public KvsStore(ServerConfig config)
    {
        Config = config;
        _databases = new Database[config.Databases];
        for (int i = 0; i < _databases.Length; i++) _databases[i] = new Database(i);
        StartedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        RefreshClock();
    }

    public ServerConfig Config { get; }

    /// <summary>The global lock; see the class summary.</summary>
    public object SyncRoot { get; } = new();

    public int DatabaseCount => _databases.Length;

    public Database GetDatabase(int index) => _databases[index];

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
    private int ClockSeconds => (int)((Now - StartedAtMs) / 1000);

    public StoreStats Stats { get; } = new();

    /// <summary>Observers of changes (events, keyspace notifications, persistence), called under the lock.</summary>
    public IChangeObserver? Observer { get; set; }

    // ---------------------------------------------------------------- reads

    /// <summary>Finds a live key; an expired key is removed on the spot (lazy expiry).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public KvsEntry? Find(Database db, ReadOnlySpan<byte> key)
    {
        var e = db.Keys.Find(key, KeyHash.Compute(key));
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

    // ---------------------------------------------------------------- writes

    /// <summary>Creates a key that is known to be absent.</summary>
    public KvsEntry Create(Database db, ReadOnlySpan<byte> key, object value, KvsType type, WriteContext ctx, long expiresAt = 0)
    {
        var e = new KvsEntry(key.ToArray(), KeyHash.Compute(key), value, type, ctx.Op)
        {
            Version = 1,
            Revision = ++_revision,
            CreatedAt = Now,
            UpdatedAt = Now,
            ModifiedBy = ctx.ModifiedBy,
            LastAccess = ClockSeconds,
        };
        db.Keys.Add(e);
        if (expiresAt != 0) SetExpiryCore(db, e, expiresAt);
        Observer?.OnChanged(db, e, ChangeKind.Created, ctx);
        return e;
    }

    /// <summary>
    /// Call before modifying an existing entry's value in place (APPEND, INCR, HSET, LPUSH...), then
    /// <see cref="CompleteUpdate"/> after: observers capture the previous state here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BeginUpdate(Database db, KvsEntry e, WriteContext ctx) => Observer?.OnChanging(db, e, ctx);

    /// <summary>Records that an entry changed in place: version, revision, times, op, author; notifies observers.</summary>
    public void CompleteUpdate(Database db, KvsEntry e, WriteContext ctx)
    {
        Bump(e, ctx);
        Observer?.OnChanged(db, e, ChangeKind.Updated, ctx);
    }

    /// <summary>The metadata half of every change: next version, next revision, time, op and author.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Bump(KvsEntry e, WriteContext ctx)
    {
        e.Version++;
        e.Revision = ++_revision;
        e.UpdatedAt = Now;
        e.LastOp = ctx.Op;
        e.ModifiedBy = ctx.ModifiedBy;
        e.LastAccess = ClockSeconds;
        if (e.Extras != null) e.Extras.DataHash = null;
    }

    /// <summary>Replaces the value (and type) of an existing key; <paramref name="expiresAt"/> -1 keeps the TTL.</summary>
    public void Replace(Database db, KvsEntry e, object value, KvsType type, WriteContext ctx, long expiresAt)
    {
        Observer?.OnChanging(db, e, ctx);
        e.Value = value;
        e.Type = type;
        e.Flags = EntryFlags.None;
        if (expiresAt >= 0) SetExpiryCore(db, e, expiresAt);
        Bump(e, ctx);
        Observer?.OnChanged(db, e, ChangeKind.Updated, ctx);
    }

    /// <summary>
    /// Replaces a key's value with a string. A same-length overwrite of a string reuses the value
    /// array in place (observers copy what they keep in <see cref="IChangeObserver.OnChanging"/>,
    /// and nothing else holds it unless old values are retained), which keeps steady-state SET
    /// allocation-free.
    /// </summary>
    public void ReplaceString(Database db, KvsEntry e, ReadOnlySpan<byte> value, WriteContext ctx, long expiresAt)
    {
        if (e.Type == KvsType.String && e.Value is byte[] old && old.Length == value.Length && Config.KvsHistoryValues == 0)
        {
            Observer?.OnChanging(db, e, ctx);
            value.CopyTo(old);
            if (expiresAt >= 0) SetExpiryCore(db, e, expiresAt);
            e.Flags = EntryFlags.None;
            Bump(e, ctx);
            Observer?.OnChanged(db, e, ChangeKind.Updated, ctx);
            return;
        }
        Replace(db, e, value.ToArray(), KvsType.String, ctx, expiresAt);
    }

    /// <summary>Sets or clears (0) the expiry of a key and records the change.</summary>
    public void SetExpiry(Database db, KvsEntry e, long expiresAt, WriteContext ctx)
    {
        Observer?.OnChanging(db, e, ctx);
        SetExpiryCore(db, e, expiresAt);
        Bump(e, ctx);
        Observer?.OnChanged(db, e, ChangeKind.Updated, ctx);
    }

    private static void SetExpiryCore(Database db, KvsEntry e, long expiresAt)
    {
        e.ExpiresAt = expiresAt;
        if (expiresAt != 0) db.Expires.Add(e);
        else db.Expires.Remove(e);
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
        db.Keys.Remove(e);
        db.Expires.Remove(e);
        e.Revision = ++_revision;
        Observer?.OnChanged(db, e, kind, ctx);
    }

    /// <summary>Moves an entry to another key name or database (RENAME, MOVE): the old key is deleted, the new one keeps the value, metadata and version.</summary>
    public KvsEntry Rename(Database fromDb, KvsEntry e, Database toDb, ReadOnlySpan<byte> newKey, WriteContext ctx)
    {
        Remove(fromDb, e, ChangeKind.RenamedFrom, ctx);
        var moved = new KvsEntry(newKey.ToArray(), KeyHash.Compute(newKey), e.Value, e.Type, ctx.Op)
        {
            Flags = e.Flags,
            Version = e.Version,
            CreatedAt = e.CreatedAt,
            ModifiedBy = e.ModifiedBy,
            Extras = e.Extras,
            LastAccess = e.LastAccess,
        };
        toDb.Keys.Add(moved);
        if (e.ExpiresAt != 0) SetExpiryCore(toDb, moved, e.ExpiresAt);
        moved.Version++;
        moved.Revision = ++_revision;
        moved.UpdatedAt = Now;
        moved.ModifiedBy = ctx.ModifiedBy;
        if (moved.Extras != null) moved.Extras.DataHash = null;
        Observer?.OnChanged(toDb, moved, ChangeKind.RenamedTo, ctx);
        return moved;
    }

    public void FlushDatabase(Database db, WriteContext ctx)
    {
        if (db.Count == 0) return;
        db.Clear();
        _revision++;
        Observer?.OnFlushed(db, ctx);
    }

    public void SwapDatabases(int a, int b, WriteContext ctx)
    {
        _databases[a].SwapContents(_databases[b]);
        _revision++;
        Observer?.OnSwapped(_databases[a], _databases[b], ctx);
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

/// <summary>Receives every change, under the store lock, after it was applied.</summary>
public interface IChangeObserver
{
    /// <summary>Called before an existing entry is modified in place (to capture the previous state).</summary>
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
