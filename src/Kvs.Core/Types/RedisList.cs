using System.Runtime.CompilerServices;

namespace Kvs.Core.Types;

/// <summary>
/// The value of a Redis list: a deque of byte strings.
/// <para>
/// Layout choice: a growable circular buffer of <c>byte[]</c> (capacity a power of two, so the
/// physical slot of logical index i is <c>(head + i) &amp; mask</c>). Push and pop at both ends
/// are O(1) amortised with no per-element node, and index access (LINDEX, LSET, LRANGE from any
/// offset) is O(1) — Redis's quicklist needs O(n/node) for the latter. Middle insertions and
/// removals (LINSERT, LREM, LTRIM) shift the shorter side, as a quicklist node would. Elements are
/// stored as the exact bytes the client sent: Redis compares list elements by their bytes (its
/// integer-encoded listpack entries only exist for canonical integers, whose bytes are unique).
/// </para>
/// Not thread-safe: used under the store lock only.
/// </summary>
public sealed class RedisList
{
    private const int MinCapacity = 4;
    private byte[][] _items;
    private int _head;
    private int _count;

    public RedisList() => _items = new byte[MinCapacity][];

    public RedisList(int capacity) => _items = new byte[RoundUpToPowerOfTwo(Math.Max(capacity, MinCapacity))][];

    public int Count => _count;

    private int Mask => _items.Length - 1;

    private static int RoundUpToPowerOfTwo(int n) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)n);

    /// <summary>The element at a logical index in 0..Count-1.</summary>
    public byte[] this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _items[(_head + index) & Mask];
        set => _items[(_head + index) & Mask] = value;
    }

    public void PushLeft(byte[] value)
    {
        if (_count == _items.Length) Grow(_count + 1);
        _head = (_head - 1) & Mask;
        _items[_head] = value;
        _count++;
    }

    public void PushRight(byte[] value)
    {
        if (_count == _items.Length) Grow(_count + 1);
        _items[(_head + _count) & Mask] = value;
        _count++;
    }

    /// <summary>Removes and returns the first element; the list must not be empty.</summary>
    public byte[] PopLeft()
    {
        var value = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) & Mask;
        _count--;
        ShrinkIfSparse();
        return value;
    }

    /// <summary>Removes and returns the last element; the list must not be empty.</summary>
    public byte[] PopRight()
    {
        int slot = (_head + _count - 1) & Mask;
        var value = _items[slot];
        _items[slot] = null!;
        _count--;
        ShrinkIfSparse();
        return value;
    }

    /// <summary>Inserts <paramref name="value"/> so that it ends up at <paramref name="index"/> (0..Count), shifting the shorter side.</summary>
    public void Insert(int index, byte[] value)
    {
        if (_count == _items.Length) Grow(_count + 1);
        if (index < _count - index)
        {
            // Move elements [0, index) one slot to the left.
            _head = (_head - 1) & Mask;
            for (int i = 0; i < index; i++) this[i] = this[i + 1];
        }
        else
        {
            for (int i = _count; i > index; i--) this[i] = this[i - 1];
        }
        _count++;
        this[index] = value;
    }

    /// <summary>Removes <paramref name="count"/> elements starting at <paramref name="start"/>, shifting the shorter side.</summary>
    public void RemoveRange(int start, int count)
    {
        if (count <= 0) return;
        int after = _count - start - count;
        if (start < after)
        {
            // Shift the prefix [0, start) right by count, then drop the front.
            for (int i = start - 1; i >= 0; i--) this[i + count] = this[i];
            for (int i = 0; i < count; i++) this[i] = null!;
            _head = (_head + count) & Mask;
        }
        else
        {
            for (int i = start; i < start + after; i++) this[i] = this[i + count];
            for (int i = _count - count; i < _count; i++) this[i] = null!;
        }
        _count -= count;
        ShrinkIfSparse();
    }

    /// <summary>
    /// LREM: removes up to <paramref name="limit"/> elements equal to <paramref name="value"/>
    /// (0 = all), scanning from the head, or from the tail when <paramref name="fromTail"/>.
    /// One compacting pass, O(n). Returns the number removed.
    /// </summary>
    public int RemoveMatches(ReadOnlySpan<byte> value, long limit, bool fromTail)
    {
        int removed = 0;
        if (!fromTail)
        {
            int write = 0;
            for (int read = 0; read < _count; read++)
            {
                var e = this[read];
                if ((limit == 0 || removed < limit) && e.AsSpan().SequenceEqual(value)) removed++;
                else this[write++] = e;
            }
            for (int i = write; i < _count; i++) this[i] = null!;
        }
        else
        {
            int write = _count - 1;
            for (int read = _count - 1; read >= 0; read--)
            {
                var e = this[read];
                if ((limit == 0 || removed < limit) && e.AsSpan().SequenceEqual(value)) removed++;
                else this[write--] = e;
            }
            for (int i = 0; i <= write; i++) this[i] = null!;
            _head = (_head + removed) & Mask;
        }
        _count -= removed;
        if (removed > 0) ShrinkIfSparse();
        return removed;
    }

    /// <summary>Index of the first element equal to <paramref name="value"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < _count; i++)
            if (this[i].AsSpan().SequenceEqual(value)) return i;
        return -1;
    }

    /// <summary>
    /// An independent copy (COPY, retained history versions). The element arrays are shared: no
    /// command changes an element's bytes in place (LSET stores a new array), so only the deque
    /// itself needs copying.
    /// </summary>
    public RedisList Clone()
    {
        var copy = new RedisList(_count);
        CopyTo(copy._items);
        copy._count = _count;
        return copy;
    }

    private void Grow(int needed)
    {
        int capacity = Math.Max(_items.Length * 2, RoundUpToPowerOfTwo(needed));
        var bigger = new byte[capacity][];
        CopyTo(bigger);
        _items = bigger;
        _head = 0;
    }

    /// <summary>Gives memory back when a list that grew big is mostly popped (quarter full).</summary>
    private void ShrinkIfSparse()
    {
        if (_items.Length <= 64 || _count > _items.Length / 4) return;
        var smaller = new byte[_items.Length / 2][];
        CopyTo(smaller);
        _items = smaller;
        _head = 0;
    }

    private void CopyTo(byte[][] target)
    {
        int first = Math.Min(_count, _items.Length - _head);
        Array.Copy(_items, _head, target, 0, first);
        Array.Copy(_items, 0, target, first, _count - first);
    }
}
