using System.Runtime.CompilerServices;

namespace Kvs.Core.Storage;

/// <summary>The Redis type of a key's value, as TYPE reports it.</summary>
public enum KvsType : byte
{
    String = 0,
    List = 1,
    Set = 2,
    ZSet = 3,
    Hash = 4,
}

/// <summary>Encoding hints that only OBJECT ENCODING observes.</summary>
[Flags]
public enum EntryFlags : byte
{
    None = 0,
    /// <summary>A string that was modified in place (APPEND, SETRANGE, SETBIT): Redis reports "raw".</summary>
    RawString = 1,
}

/// <summary>
/// One key: its bytes, its value and its metadata, in a single object.
/// <para>
/// Layout choice: the entry is also the hash-table node (<see cref="Next"/> chains a bucket), so a
/// key costs one object plus its key and value arrays, with no separate dictionary entry. The hot
/// metadata (version, revision, timestamps, expiry) is inline because every write touches it;
/// everything that most keys never have (tags, history beyond the current revision, comments,
/// schema, retained values, a cached hash) lives in <see cref="Extras"/>, allocated on first use.
/// </para>
/// </summary>
public sealed class KvsEntry
{
    public readonly byte[] Key;
    internal KvsEntry? Next;
    internal readonly uint Hash;
    /// <summary>Index in the database's expiry set, or -1 when the key has no TTL.</summary>
    internal int ExpireSlot = -1;
    /// <summary>Seconds since server start of the last access (OBJECT IDLETIME).</summary>
    internal int LastAccess;

    /// <summary>The value: <c>byte[]</c> for strings, the collection object for the other types.</summary>
    public object Value;
    public KvsType Type;
    public EntryFlags Flags;
    /// <summary>
    /// The generation of the background snapshot that last wrote this entry (copy-on-write
    /// bookkeeping, see Persistence/Snapshot.cs). Two bytes that fit in the object's padding.
    /// </summary>
    internal ushort SnapshotMark;

    public long Version;
    public long Revision;
    public long CreatedAt;
    public long UpdatedAt;
    /// <summary>Unix milliseconds, 0 when the key does not expire.</summary>
    public long ExpiresAt;
    public string? ModifiedBy;
    /// <summary>The command name of the last change (history <c>op</c>).</summary>
    public string LastOp;
    public EntryExtras? Extras;

    public KvsEntry(byte[] key, uint hash, object value, KvsType type, string op)
    {
        Key = key;
        Hash = hash;
        Value = value;
        Type = type;
        LastOp = op;
    }

    public byte[] StringValue
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (byte[])Value;
    }

    public bool HasExpiry => ExpiresAt != 0;

    public EntryExtras GetOrCreateExtras() => Extras ??= new EntryExtras();
}

/// <summary>Metadata that most keys never carry, kept out of line to keep <see cref="KvsEntry"/> small.</summary>
public sealed class EntryExtras
{
    public HashSet<string>? Tags;
    public string? Comment;
    public string? SchemaHash;
    /// <summary>Cached SHA-256 of the current value; null when it must be recomputed.</summary>
    public byte[]? DataHash;
    /// <summary>Previous revisions (the current one is described by the entry itself).</summary>
    public Services.HistoryRing? History;
}
