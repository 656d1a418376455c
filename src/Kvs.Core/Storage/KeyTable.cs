namespace Kvs.Core.Storage;

/// <summary>
/// The keyspace of one database: a power-of-two array of buckets chaining <see cref="KvsEntry"/>
/// nodes through <see cref="KvsEntry.Next"/>.
/// <para>
/// Why not <c>Dictionary</c>: SCAN needs Redis's guarantee (every key present for the whole
/// iteration is returned at least once, across resizes), RANDOMKEY and the expiry sampler need
/// random access to buckets, and lookups must take a <c>ReadOnlySpan&lt;byte&gt;</c> straight
/// from the network buffer. The cursor is the bucket index walked in reverse-binary order, which
/// stays valid when the table doubles or halves between two SCAN calls.
/// </para>
/// </summary>
public sealed class KeyTable
{
    private const int MinBuckets = 4;
    private KvsEntry?[] _buckets = new KvsEntry?[MinBuckets];
    private int _count;

    public int Count => _count;
    public int BucketCount => _buckets.Length;

    public KvsEntry? Find(ReadOnlySpan<byte> key, uint hash)
    {
        var buckets = _buckets;
        for (var e = buckets[hash & (uint)(buckets.Length - 1)]; e != null; e = e.Next)
        {
            if (e.Hash == hash && key.SequenceEqual(e.Key)) return e;
        }
        return null;
    }

    /// <summary>Adds an entry whose key is known to be absent.</summary>
    public void Add(KvsEntry entry)
    {
        if (_count >= _buckets.Length) Resize(_buckets.Length * 2);
        ref var head = ref _buckets[entry.Hash & (uint)(_buckets.Length - 1)];
        entry.Next = head;
        head = entry;
        _count++;
    }

    public bool Remove(KvsEntry entry)
    {
        ref var link = ref _buckets[entry.Hash & (uint)(_buckets.Length - 1)];
        while (link != null)
        {
            if (ReferenceEquals(link, entry))
            {
                link = entry.Next;
                entry.Next = null;
                _count--;
                if (_buckets.Length > MinBuckets && _count < _buckets.Length / 8) Resize(_buckets.Length / 2);
                return true;
            }
            link = ref link.Next;
        }
        return false;
    }

    public void Clear()
    {
        _buckets = new KvsEntry?[MinBuckets];
        _count = 0;
    }

    private void Resize(int size)
    {
        var old = _buckets;
        var buckets = new KvsEntry?[size];
        uint mask = (uint)size - 1;
        foreach (var head in old)
        {
            var e = head;
            while (e != null)
            {
                var next = e.Next;
                ref var slot = ref buckets[e.Hash & mask];
                e.Next = slot;
                slot = e;
                e = next;
            }
        }
        _buckets = buckets;
    }

    /// <summary>
    /// Visits one bucket at <paramref name="cursor"/> and returns the next cursor (0 when done),
    /// using Redis's reverse-binary increment so that resizes between calls never skip a key.
    /// </summary>
    public ulong ScanBucket(ulong cursor, List<KvsEntry> into)
    {
        var buckets = _buckets;
        ulong mask = (ulong)buckets.Length - 1;
        for (var e = buckets[cursor & mask]; e != null; e = e.Next) into.Add(e);
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        cursor = ReverseBits(cursor);
        return cursor;
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>A uniformly chosen bucket's random element (Redis's dictGetFairRandomKey is close enough).</summary>
    public KvsEntry? GetRandom(Random random)
    {
        if (_count == 0) return null;
        var buckets = _buckets;
        KvsEntry? head;
        do head = buckets[random.Next(buckets.Length)]; while (head == null);
        int len = 0;
        for (var e = head; e != null; e = e.Next) len++;
        int pick = random.Next(len);
        var chosen = head;
        while (pick-- > 0) chosen = chosen!.Next;
        return chosen;
    }

    /// <summary>Every entry; callers must not add or remove while enumerating.</summary>
    public IEnumerable<KvsEntry> Entries()
    {
        foreach (var head in _buckets)
            for (var e = head; e != null; e = e.Next) yield return e;
    }

    /// <summary>Copies all entries into a list, for commands that modify while walking (FLUSH, KEYS with expiry).</summary>
    public void CopyTo(List<KvsEntry> into)
    {
        foreach (var head in _buckets)
            for (var e = head; e != null; e = e.Next) into.Add(e);
    }
}
