using Kvs.Core.Storage;

namespace Kvs.Core.Indexing;

/// <summary>
/// A sorted set of entries in <see cref="TopicOrder"/>, stored as a list of sorted chunks of at
/// most <see cref="ChunkSize"/> entries (a flat B+-tree leaf level). Costs about 10 bytes per
/// key — a balanced tree node would cost ~48 — and gives O(log n) insert, remove and seek, and
/// ordered iteration from any key, which is what a stable KVS.FIND cursor needs.
/// </summary>
public sealed class OrderedKeyIndex(TopicOrder order)
{
    private const int ChunkSize = 128;
    private readonly List<List<KvsEntry>> _chunks = new();
    private int _count;

    public int Count => _count;

    public void Add(KvsEntry entry)
    {
        if (_chunks.Count == 0)
        {
            _chunks.Add(new List<KvsEntry>(ChunkSize + 1) { entry });
            _count++;
            return;
        }
        int c = _chunks.Count - 1;
        var chunk = _chunks[c];
        if (order.Compare(chunk[^1].Key, entry.Key) < 0)
        {
            // Keys arriving in order (a snapshot being loaded, increasing ids) append to the last
            // chunk after one comparison; a full last chunk starts a new one instead of splitting,
            // so such a load leaves full chunks behind.
            _count++;
            if (chunk.Count < ChunkSize) chunk.Add(entry);
            else _chunks.Add(new List<KvsEntry>(ChunkSize + 1) { entry });
            return;
        }
        c = FindChunk(entry.Key);
        chunk = _chunks[c];
        int i = chunk.BinarySearch(entry, order);
        if (i >= 0) return;
        chunk.Insert(~i, entry);
        _count++;
        if (chunk.Count > ChunkSize)
        {
            // Capacity ChunkSize + 1: a chunk holds at most one extra entry before it splits, so its
            // list never doubles to 256 slots.
            var right = new List<KvsEntry>(ChunkSize + 1);
            right.AddRange(chunk.GetRange(ChunkSize / 2, chunk.Count - ChunkSize / 2));
            chunk.RemoveRange(ChunkSize / 2, chunk.Count - ChunkSize / 2);
            _chunks.Insert(c + 1, right);
        }
    }

    public bool Remove(KvsEntry entry)
    {
        if (_chunks.Count == 0) return false;
        int c = FindChunk(entry.Key);
        var chunk = _chunks[c];
        int i = chunk.BinarySearch(entry, order);
        if (i < 0) return false;
        chunk.RemoveAt(i);
        _count--;
        if (chunk.Count == 0) _chunks.RemoveAt(c);
        return true;
    }

    /// <summary>The chunk whose range holds <paramref name="key"/>: the last chunk whose first key is ≤ key.</summary>
    private int FindChunk(ReadOnlySpan<byte> key)
    {
        int lo = 0, hi = _chunks.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (order.Compare(_chunks[mid][0].Key, key) <= 0) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>Entries strictly after <paramref name="afterKey"/> (or from the first key ≥ <paramref name="fromTopic"/>) in order.</summary>
    public IEnumerable<KvsEntry> From(byte[]? afterKey, byte[]? fromTopic)
    {
        if (_chunks.Count == 0) yield break;
        int c = 0, i = 0;
        if (afterKey != null)
        {
            c = FindChunk(afterKey);
            i = LowerBound(_chunks[c], afterKey);
            if (i < _chunks[c].Count && order.Compare(_chunks[c][i].Key, afterKey) == 0) i++;
        }
        else if (fromTopic != null)
        {
            c = FindChunk(fromTopic);
            i = LowerBound(_chunks[c], fromTopic);
        }
        for (; c < _chunks.Count; c++, i = 0)
        {
            var chunk = _chunks[c];
            for (; i < chunk.Count; i++) yield return chunk[i];
        }
    }

    private int LowerBound(List<KvsEntry> chunk, ReadOnlySpan<byte> key)
    {
        int lo = 0, hi = chunk.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (order.Compare(chunk[mid].Key, key) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    public void Clear()
    {
        _chunks.Clear();
        _count = 0;
    }
}
