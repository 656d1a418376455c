using System.Runtime.CompilerServices;
using Kvs.Core.Storage;

namespace Kvs.Core.Types;

/// <summary>
/// A table of binary-safe keys (and optionally one value per key) shared by hashes and sets.
/// <para>
/// Layout choice: entries live in dense parallel arrays (<c>_keys</c>, <c>_values</c>,
/// <c>_hashes</c>), so a uniformly random entry is one random index (SRANDMEMBER, SPOP,
/// HRANDFIELD in O(1)) and iteration is a plain loop. The table has two modes:
/// </para>
/// <list type="bullet">
/// <item><b>compact</b> (Redis's listpack): no buckets; entries stay in insertion order and a lookup
/// is a vectorised scan of the 32-bit hashes followed by a byte comparison. Removal shifts the
/// tail, as deleting from a listpack does, so replies keep Redis's order for small hashes.</item>
/// <item><b>indexed</b> (Redis's hashtable): a power-of-two bucket array chains entry indices
/// through <c>_next</c>. Removal moves the last entry into the hole (keeping the arrays dense)
/// and relinks it. SCAN walks buckets with Redis's reverse-binary cursor, which stays valid when
/// the bucket array grows or shrinks between calls; entry positions never matter to a cursor.</item>
/// </list>
/// Lookups take a <see cref="ReadOnlySpan{T}"/> straight from the request and allocate nothing.
/// Hashes come from <see cref="KeyHash"/>, whose per-process random seed keeps chains short under
/// attacker-chosen members.
/// </summary>
public sealed class ByteTable
{
    private const int MinBuckets = 4;

    private byte[][] _keys;
    private byte[]?[]? _values;
    private uint[] _hashes;
    /// <summary>Indexed mode: 1-based index of the next entry in the same bucket, 0 ends the chain.</summary>
    private int[]? _next;
    /// <summary>Indexed mode: 1-based index of the first entry of each bucket, 0 when empty.</summary>
    private int[]? _buckets;
    private int _count;

    public ByteTable(bool withValues, int capacity = 4, bool indexed = false)
    {
        capacity = Math.Max(capacity, 1);
        _keys = new byte[capacity][];
        _hashes = new uint[capacity];
        if (withValues) _values = new byte[capacity][];
        if (indexed) MakeIndexed();
    }

    public int Count => _count;

    /// <summary>True once the table has buckets (Redis's hashtable encoding); false while compact.</summary>
    public bool IsIndexed => _buckets != null;

    /// <summary>Number of buckets (0 while compact).</summary>
    public int BucketCount => _buckets?.Length ?? 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte[] KeyAt(int index) => _keys[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte[] ValueAt(int index) => _values![index]!;

    /// <summary>The index of <paramref name="key"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> key) => IndexOf(key, KeyHash.Compute(key));

    private int IndexOf(ReadOnlySpan<byte> key, uint hash)
    {
        if (_buckets != null)
        {
            for (int i = _buckets[hash & (uint)(_buckets.Length - 1)]; i != 0; i = _next![i - 1])
            {
                int j = i - 1;
                if (_hashes[j] == hash && key.SequenceEqual(_keys[j])) return j;
            }
            return -1;
        }
        var hashes = _hashes.AsSpan(0, _count);
        int start = 0;
        while (true)
        {
            int found = hashes.Slice(start).IndexOf(hash);
            if (found < 0) return -1;
            int j = start + found;
            if (key.SequenceEqual(_keys[j])) return j;
            start = j + 1;
        }
    }

    public bool Contains(ReadOnlySpan<byte> key) => IndexOf(key) >= 0;

    /// <summary>Adds a key known to be absent (its bytes are taken, not copied); returns its index.</summary>
    public int AddNew(byte[] key, byte[]? value) => AddNew(key, value, KeyHash.Compute(key));

    private int AddNew(byte[] key, byte[]? value, uint hash)
    {
        if (_count == _keys.Length) GrowEntries();
        int index = _count++;
        _keys[index] = key;
        _hashes[index] = hash;
        if (_values != null) _values[index] = value;
        if (_buckets != null)
        {
            if (_count > _buckets.Length) Rehash(_buckets.Length * 2);
            else Link(index);
        }
        return index;
    }

    /// <summary>Adds <paramref name="key"/> if absent (copying it); returns true when added.</summary>
    public bool Add(ReadOnlySpan<byte> key)
    {
        uint hash = KeyHash.Compute(key);
        if (IndexOf(key, hash) >= 0) return false;
        AddNew(key.ToArray(), null, hash);
        return true;
    }

    /// <summary>
    /// Sets <paramref name="key"/>'s value; returns true when the key was added. An existing value
    /// of the same length is overwritten in place (no allocation: history snapshots are deep
    /// copies, see <see cref="Clone"/>).
    /// </summary>
    public bool Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        uint hash = KeyHash.Compute(key);
        int index = IndexOf(key, hash);
        if (index >= 0)
        {
            SetValueAt(index, value);
            return false;
        }
        AddNew(key.ToArray(), value.ToArray(), hash);
        return true;
    }

    public void SetValueAt(int index, ReadOnlySpan<byte> value)
    {
        var old = _values![index];
        if (old != null && old.Length == value.Length) value.CopyTo(old);
        else _values[index] = value.ToArray();
    }

    /// <summary>Replaces a value with an array the caller hands over.</summary>
    public void SetValueAt(int index, byte[] value) => _values![index] = value;

    public bool Remove(ReadOnlySpan<byte> key)
    {
        int index = IndexOf(key);
        if (index < 0) return false;
        RemoveAt(index);
        return true;
    }

    /// <summary>
    /// Removes the entry at <paramref name="index"/>. Compact: later entries shift down one place
    /// (order kept). Indexed: the last entry moves into the hole (order not kept).
    /// </summary>
    public void RemoveAt(int index)
    {
        int last = _count - 1;
        if (_buckets == null)
        {
            if (index < last)
            {
                Array.Copy(_keys, index + 1, _keys, index, last - index);
                Array.Copy(_hashes, index + 1, _hashes, index, last - index);
                if (_values != null) Array.Copy(_values, index + 1, _values, index, last - index);
            }
        }
        else
        {
            ref int link = ref LinkTo(index);
            link = _next![index];
            if (index != last)
            {
                ref int lastLink = ref LinkTo(last);
                lastLink = index + 1;
                _keys[index] = _keys[last];
                _hashes[index] = _hashes[last];
                _next[index] = _next[last];
                if (_values != null) _values[index] = _values[last];
            }
        }
        _keys[last] = null!;
        if (_values != null) _values[last] = null;
        _count = last;
        if (_buckets != null && _buckets.Length > MinBuckets && _count < _buckets.Length / 8) Rehash(_buckets.Length / 2);
        if (_keys.Length > 64 && _count < _keys.Length / 4) ResizeEntries(_keys.Length / 2);
    }

    public void Clear()
    {
        Array.Clear(_keys, 0, _count);
        if (_values != null) Array.Clear(_values, 0, _count);
        _count = 0;
        if (_buckets != null) Rehash(MinBuckets);
        if (_keys.Length > 64) ResizeEntries(4);
    }

    /// <summary>Switches to indexed mode (Redis's conversion to hashtable); order is kept until the next removal.</summary>
    public void MakeIndexed()
    {
        if (_buckets != null) return;
        _next = new int[_keys.Length];
        int size = MinBuckets;
        while (size < _count) size *= 2;
        Rehash(size);
    }

    /// <summary>A uniformly random entry index; the table must not be empty.</summary>
    public int RandomIndex(Random random) => random.Next(_count);

    /// <summary>
    /// Indexed mode: adds the indices of the entries in the bucket at <paramref name="cursor"/> and
    /// returns the next cursor (0 when the walk is complete), incrementing the reversed bits so a
    /// resize between calls never makes the walk skip an entry that stayed in the table.
    /// </summary>
    public ulong ScanBucket(ulong cursor, List<int> into)
    {
        var buckets = _buckets!;
        ulong mask = (ulong)buckets.Length - 1;
        for (int i = buckets[cursor & mask]; i != 0; i = _next![i - 1]) into.Add(i - 1);
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>A deep copy: keys are never modified in place so they are shared; values are copied.</summary>
    public ByteTable Clone()
    {
        var copy = new ByteTable(_values != null, Math.Max(_count, 4));
        Array.Copy(_keys, copy._keys, _count);
        Array.Copy(_hashes, copy._hashes, _count);
        if (_values != null)
            for (int i = 0; i < _count; i++) copy._values![i] = (byte[])_values[i]!.Clone();
        copy._count = _count;
        if (_buckets != null)
        {
            copy._next = new int[copy._keys.Length];
            copy.Rehash(_buckets.Length);
        }
        return copy;
    }

    // ------------------------------------------------------------------ internals

    private ref int LinkTo(int index)
    {
        ref int link = ref _buckets![_hashes[index] & (uint)(_buckets.Length - 1)];
        while (link != index + 1) link = ref _next![link - 1];
        return ref link;
    }

    private void Link(int index)
    {
        ref int head = ref _buckets![_hashes[index] & (uint)(_buckets.Length - 1)];
        _next![index] = head;
        head = index + 1;
    }

    private void Rehash(int size)
    {
        _buckets = new int[size];
        for (int i = 0; i < _count; i++) Link(i);
    }

    private void GrowEntries() => ResizeEntries(Math.Max(4, _keys.Length * 2));

    private void ResizeEntries(int capacity)
    {
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _hashes, capacity);
        if (_values != null) Array.Resize(ref _values, capacity);
        if (_next != null) Array.Resize(ref _next, capacity);
    }
}
