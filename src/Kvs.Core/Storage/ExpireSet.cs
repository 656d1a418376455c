namespace Kvs.Core.Storage;

/// <summary>
/// The keys of one database that carry a TTL, in a dense array so that the active expiry cycle
/// can sample uniformly at random in O(1) (Redis keeps a separate "expires" dict for the same
/// reason). Each entry remembers its slot, so removal is a swap with the last element.
/// </summary>
public sealed class ExpireSet
{
    private KvsEntry[] _items = new KvsEntry[16];
    private int _count;

    public int Count => _count;

    public void Add(KvsEntry entry)
    {
        if (entry.ExpireSlot >= 0) return;
        if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        entry.ExpireSlot = _count;
        _items[_count++] = entry;
    }

    public void Remove(KvsEntry entry)
    {
        int slot = entry.ExpireSlot;
        if (slot < 0) return;
        var last = _items[--_count];
        _items[slot] = last;
        last.ExpireSlot = slot;
        _items[_count] = null!;
        entry.ExpireSlot = -1;
        if (_items.Length > 64 && _count < _items.Length / 4) Array.Resize(ref _items, _items.Length / 2);
    }

    public KvsEntry Sample(Random random) => _items[random.Next(_count)];

    public void Clear()
    {
        _items = new KvsEntry[16];
        _count = 0;
    }

    /// <summary>Sum of remaining TTLs of a sample, for INFO keyspace's avg_ttl.</summary>
    public long AverageTtl(long now)
    {
        if (_count == 0) return 0;
        int n = Math.Min(_count, 64);
        long sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Max(0, _items[i].ExpiresAt - now);
        return sum / n;
    }
}
