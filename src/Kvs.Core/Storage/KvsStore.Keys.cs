namespace Kvs.Core.Storage;

/// <summary>Store primitives for the keyspace commands (COPY, RANDOMKEY, OBJECT, TYPE/EXISTS/TTL lookups, FLUSHALL).</summary>
public sealed partial class KvsStore
{
    /// <summary>
    /// Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH), used by EXISTS, TYPE, TTL and OBJECT: a
    /// live-key lookup that counts keyspace hits and misses but leaves the access time alone, so
    /// that inspecting a key does not change its OBJECT IDLETIME.
    /// </summary>
    public KvsEntry? ReadNoTouch(Database db, ReadOnlySpan<byte> key)
    {
        var e = Find(db, key);
        if (e == null) Stats.KeyspaceMisses++;
        else Stats.KeyspaceHits++;
        return e;
    }

    /// <summary>True when a key's TTL has passed but nobody removed it yet (KEYS and SCAN hide such keys).</summary>
    public bool IsExpired(KvsEntry e) => e.ExpiresAt != 0 && e.ExpiresAt <= Now;

    /// <summary>Seconds since the key was last read or written (OBJECT IDLETIME's one-second LRU resolution).</summary>
    public long IdleSeconds(KvsEntry e) => Math.Max(0, ClockSeconds - e.LastAccess);

    /// <summary>
    /// A random live key (RANDOMKEY), or null when the database is empty. Like Redis's dbRandomKey,
    /// expired keys that the draw lands on are removed and the draw repeated.
    /// </summary>
    public KvsEntry? RandomKey(Database db)
    {
        while (true)
        {
            var e = db.Keys.GetRandom(Random.Shared);
            if (e == null || !IsExpired(e)) return e;
            Expire(db, e);
        }
    }

    /// <summary>
    /// COPY: gives <paramref name="newKey"/> in <paramref name="toDb"/> a deep copy of the source's
    /// value, its TTL (or none) and its string encoding. A new key starts at version 1 with fresh
    /// metadata; an <paramref name="existing"/> destination (REPLACE) is overwritten like SET
    /// overwrites, so its version continues and its tags stay.
    /// </summary>
    public KvsEntry Copy(KvsEntry source, Database toDb, ReadOnlySpan<byte> newKey, KvsEntry? existing, WriteContext ctx)
    {
        object value = KvsValues.Clone(source);
        KvsEntry copy;
        if (existing != null)
        {
            Replace(toDb, existing, value, source.Type, ctx, source.ExpiresAt);
            copy = existing;
        }
        else
        {
            copy = Create(toDb, newKey, value, source.Type, ctx, source.ExpiresAt);
        }
        copy.Flags = source.Flags;
        return copy;
    }

    /// <summary>FLUSHALL: empties every database.</summary>
    public void FlushAll(WriteContext ctx)
    {
        for (int i = 0; i < DatabaseCount; i++) FlushDatabase(GetDatabase(i), ctx);
    }
}
