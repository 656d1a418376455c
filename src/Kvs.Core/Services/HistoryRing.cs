using Kvs.Core.Storage;

namespace Kvs.Core.Services;

/// <summary>One past revision of a key (SPEC §3 history).</summary>
public struct HistoryEntry
{
    public long Version;
    public long Revision;
    public long Timestamp;
    public string Op;
    public string? ModifiedBy;
    public string? Comment;
    public KvsType Type;
    /// <summary>The value of that version when retained (kvs-history-values) or kept to hash later (small strings).</summary>
    public object? Value;
    /// <summary>SHA-256 of that version's value; null until computed from <see cref="Value"/>, or unknown for large collections.</summary>
    public byte[]? Hash;
    /// <summary>True when <see cref="Value"/> is within the kvs-history-values window and may be read back.</summary>
    public bool Retained;
}

/// <summary>
/// The previous revisions of a key, newest first, in a ring that grows by doubling up to
/// kvs-history-depth - 1 slots (the current revision is described by the entry itself). Once full,
/// pushing overwrites the oldest slot in place, so a hot key's history allocates nothing.
/// </summary>
public sealed class HistoryRing
{
    private HistoryEntry[] _items = new HistoryEntry[2];
    private int _newest = -1;
    private int _count;

    public int Count => _count;

    /// <summary>The i-th previous revision, 0 = the one just before the current.</summary>
    public ref HistoryEntry this[int index] => ref _items[(_newest - index + _items.Length) % _items.Length];

    /// <summary>Adds the newest previous revision; returns the evicted oldest one (default when none).</summary>
    public HistoryEntry Push(in HistoryEntry entry, int capacity)
    {
        HistoryEntry evicted = default;
        if (capacity <= 0) return entry;
        if (_count < capacity && _count == _items.Length) Grow(Math.Min(capacity, _items.Length * 2));
        if (_count == capacity || _count == _items.Length)
        {
            // Full: the slot after the newest is the oldest.
            int oldest = (_newest + 1) % _items.Length;
            evicted = _items[oldest];
            _items[oldest] = entry;
            _newest = oldest;
            while (_count > capacity) DropOldest();
            return evicted;
        }
        _newest = (_newest + 1) % _items.Length;
        _items[_newest] = entry;
        _count++;
        return evicted;
    }

    private void DropOldest()
    {
        int oldest = (_newest - _count + 1 + _items.Length * 2) % _items.Length;
        _items[oldest] = default;
        _count--;
    }

    /// <summary>Shrinks to <paramref name="capacity"/> entries (CONFIG SET kvs-history-depth lowered).</summary>
    public void Trim(int capacity)
    {
        while (_count > Math.Max(0, capacity)) DropOldest();
    }

    private void Grow(int size)
    {
        var items = new HistoryEntry[size];
        for (int i = 0; i < _count; i++) items[_count - 1 - i] = this[i];
        _items = items;
        _newest = _count - 1;
    }
}
