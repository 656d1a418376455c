using Kvs.Core.Services;

namespace Kvs.Core.Storage;

/// <summary>
/// The store interface of the original design: what command handlers may do to data. Reads are
/// <see cref="Find"/> / <see cref="Read"/> (the design's <c>get</c>); writes are
/// <see cref="Create"/>, <see cref="Replace"/>, <see cref="ReplaceString"/> (its <c>set</c>), the
/// in-place pair <see cref="BeginUpdate"/> + <see cref="CompleteUpdate"/> that collection types
/// need, and <see cref="Delete(Database, KvsEntry, WriteContext)"/> (its <c>delete</c>).
/// <para>
/// <see cref="KvsStore"/> is the orchestrator that implements it; decorators implementing the
/// same interface add cross-cutting behaviour around it (<see cref="LoggingKvsStore"/>). Events
/// and persistence observe changes through <see cref="IChangeObserver"/> rather than by wrapping,
/// because a decorator only sees the call, while they need the entry before and after the change
/// (the same <c>OnChanging</c>/<c>OnChanged</c> pair the design's events decorator captures).
/// </para>
/// <para>
/// Everything is synchronous: the store runs under one lock (docs/adr/0001-threading-model.md),
/// so a Task per GET would be pure cost. Session code holds this interface; the host composes the
/// logging decorator only when debug logging is on, so the default path is the bare store.
/// </para>
/// </summary>
public interface IKvsStore
{
    /// <summary>The global lock under which every member is called.</summary>
    object SyncRoot { get; }
    /// <summary>The command clock (unix ms), refreshed once per batch.</summary>
    long Now { get; }
    long RefreshClock();
    /// <summary>The store-wide change sequence number of the newest change.</summary>
    long Revision { get; }
    StoreStats Stats { get; }
    IKeyService Keys { get; }
    IMetadataService Metadata { get; }

    int DatabaseCount { get; }
    Database GetDatabase(int index);

    // ---- reads

    /// <summary>The live entry of <paramref name="key"/> (an expired one is removed lazily), without statistics.</summary>
    KvsEntry? Find(Database db, ReadOnlySpan<byte> key);
    /// <summary>Like <see cref="Find"/>, counting keyspace hits/misses and the access time (read commands).</summary>
    KvsEntry? Read(Database db, ReadOnlySpan<byte> key);
    /// <summary>Like <see cref="Read"/> without touching the access time (CLIENT NO-TOUCH, OBJECT).</summary>
    KvsEntry? ReadNoTouch(Database db, ReadOnlySpan<byte> key);
    KvsEntry? RandomKey(Database db);
    bool IsExpired(KvsEntry e);
    long IdleSeconds(KvsEntry e);
    byte[] GetDataHash(KvsEntry e);

    // ---- writes

    KvsEntry Create(Database db, ReadOnlySpan<byte> key, object value, KvsType type, WriteContext ctx, long expiresAt = 0, IReadOnlyList<string>? tags = null);
    void Replace(Database db, KvsEntry e, object value, KvsType type, WriteContext ctx, long expiresAt);
    void ReplaceString(Database db, KvsEntry e, ReadOnlySpan<byte> value, WriteContext ctx, long expiresAt);
    /// <summary>A string value's buffer, resized to <paramref name="newLength"/>, for an in-place edit (SETRANGE, SETBIT, APPEND).</summary>
    byte[] BeginStringEdit(Database db, KvsEntry e, int newLength, WriteContext ctx);
    /// <summary>Announces an in-place change of a collection (before it), closed by <see cref="CompleteUpdate"/>.</summary>
    void BeginUpdate(Database db, KvsEntry e, WriteContext ctx);
    void CompleteUpdate(Database db, KvsEntry e, WriteContext ctx);
    void SetExpiry(Database db, KvsEntry e, long expiresAt, WriteContext ctx);
    bool ChangeTags(Database db, KvsEntry e, IReadOnlyList<string>? add, IReadOnlyList<string>? remove, WriteContext ctx, bool recordChange = true);
    void Delete(Database db, KvsEntry e, WriteContext ctx);
    bool Delete(Database db, ReadOnlySpan<byte> key, WriteContext ctx);
    /// <summary>Removes an entry whose time has come (reported as expired, not deleted).</summary>
    void Expire(Database db, KvsEntry e);
    KvsEntry Rename(Database fromDb, KvsEntry e, Database toDb, ReadOnlySpan<byte> newKey, WriteContext ctx);
    KvsEntry Copy(KvsEntry source, Database toDb, ReadOnlySpan<byte> newKey, KvsEntry? existing, WriteContext ctx);
    void FlushDatabase(Database db, WriteContext ctx);
    void FlushAll(WriteContext ctx);
    void SwapDatabases(int a, int b, WriteContext ctx);
}
