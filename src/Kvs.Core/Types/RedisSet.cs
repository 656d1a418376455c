using System.Buffers.Text;

namespace Kvs.Core.Types;

/// <summary>
/// The value of a set key.
/// <para>
/// Encoding as Redis 7.0 reports it (7.0 has no listpack sets): <c>intset</c> while every member
/// is an integer in Redis's canonical form (string2ll: no '+', no leading zeros, fits in 64 bits)
/// and there are at most set-max-intset-entries members, else <c>hashtable</c> for good. The intset
/// stage is a sorted <c>long[]</c> exactly like Redis's intset, so SMEMBERS, SSCAN and friends
/// reply in ascending numeric order as Redis does; lookups are binary searches. The hashtable
/// stage is an indexed <see cref="ByteTable"/>.
/// </para>
/// Random members (SPOP, SRANDMEMBER) are a random index into either dense array: O(1).
/// </summary>
public sealed class RedisSet : ISortable
{
    private long[] _ints;
    private int _intCount;
    private ByteTable? _table;

    /// <summary>An empty set in intset encoding (Redis's createIntsetObject).</summary>
    public RedisSet() => _ints = new long[4];

    /// <summary>
    /// An empty set shaped for its first member (Redis's setTypeCreate): intset when the member
    /// is an integer, else hashtable.
    /// </summary>
    public static RedisSet CreateFor(ReadOnlySpan<byte> firstMember)
    {
        var set = new RedisSet();
        if (!TryParseMemberInteger(firstMember, out _)) set.ConvertToTable();
        return set;
    }

    public int Count => _table?.Count ?? _intCount;

    /// <summary>True while Redis would report "intset".</summary>
    public bool IsIntSet => _table == null;

    /// <summary>The hashtable stage's table (SCAN); null while intset.</summary>
    public ByteTable? Table => _table;

    /// <summary>Redis's isSdsRepresentableAsLongLong (string2ll).</summary>
    public static bool TryParseMemberInteger(ReadOnlySpan<byte> s, out long value) => Kvs.Core.Text.RedisInteger.TryParse(s, out value);

    public bool Contains(ReadOnlySpan<byte> member)
    {
        if (_table != null) return _table.Contains(member);
        return TryParseMemberInteger(member, out long v) && FindInt(v) >= 0;
    }

    /// <summary>Adds a member (Redis's setTypeAdd); returns true when it was not there.</summary>
    public bool Add(ReadOnlySpan<byte> member, long maxIntsetEntries)
    {
        if (_table != null) return _table.Add(member);
        if (!TryParseMemberInteger(member, out long v))
        {
            ConvertToTable();
            return _table!.Add(member);
        }
        int pos = FindInt(v);
        if (pos >= 0) return false;
        InsertInt(~pos, v);
        if (_intCount > maxIntsetEntries) ConvertToTable();
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_table != null) return _table.Remove(member);
        if (!TryParseMemberInteger(member, out long v)) return false;
        int pos = FindInt(v);
        if (pos < 0) return false;
        RemoveIntAt(pos);
        return true;
    }

    /// <summary>
    /// The member at <paramref name="index"/> (0 ≤ index &lt; Count) in iteration order: ascending
    /// for an intset (formatted into <paramref name="scratch"/>, at least 20 bytes), table order
    /// otherwise.
    /// </summary>
    public ReadOnlySpan<byte> MemberAt(int index, Span<byte> scratch)
    {
        if (_table != null) return _table.KeyAt(index);
        Utf8Formatter.TryFormat(_ints[index], scratch, out int n);
        return scratch.Slice(0, n);
    }

    /// <summary>The member at <paramref name="index"/> as its own array (stored results, SORT).</summary>
    public byte[] MemberArrayAt(int index)
    {
        if (_table != null) return _table.KeyAt(index);
        Span<byte> tmp = stackalloc byte[20];
        return MemberAt(index, tmp).ToArray();
    }

    /// <summary>True when the intset holds <paramref name="value"/> (fast path for intset-with-intset intersections).</summary>
    public bool ContainsInteger(long value) => _table == null ? FindInt(value) >= 0 : ContainsFormatted(value);

    private bool ContainsFormatted(long value)
    {
        Span<byte> tmp = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, tmp, out int n);
        return _table!.Contains(tmp.Slice(0, n));
    }

    /// <summary>The intset member at an index (only while <see cref="IsIntSet"/>).</summary>
    public long IntegerAt(int index) => _ints[index];

    public void RemoveAt(int index)
    {
        if (_table != null) _table.RemoveAt(index);
        else RemoveIntAt(index);
    }

    public int RandomIndex(Random random) => random.Next(Count);

    public RedisSet Clone()
    {
        var copy = new RedisSet();
        if (_table != null)
        {
            copy._table = _table.Clone();
        }
        else
        {
            copy._ints = (long[])_ints.Clone();
            copy._intCount = _intCount;
        }
        return copy;
    }

    // ------------------------------------------------------------------ ISortable

    int ISortable.Count => Count;

    public void CollectAll(List<byte[]> into)
    {
        for (int i = 0; i < Count; i++) into.Add(MemberArrayAt(i));
    }

    /// <summary>Sets have no natural order: SORT never asks them for a range.</summary>
    public bool HasNaturalOrder => false;

    public void CollectRange(int start, int count, bool reverse, List<byte[]> into) =>
        throw new NotSupportedException("Sets have no natural order.");

    // ------------------------------------------------------------------ internals

    private int FindInt(long v) => Array.BinarySearch(_ints, 0, _intCount, v);

    private void InsertInt(int pos, long v)
    {
        if (_intCount == _ints.Length) Array.Resize(ref _ints, _ints.Length * 2);
        if (pos < _intCount) Array.Copy(_ints, pos, _ints, pos + 1, _intCount - pos);
        _ints[pos] = v;
        _intCount++;
    }

    private void RemoveIntAt(int pos)
    {
        _intCount--;
        if (pos < _intCount) Array.Copy(_ints, pos + 1, _ints, pos, _intCount - pos);
        if (_ints.Length > 64 && _intCount < _ints.Length / 4) Array.Resize(ref _ints, _ints.Length / 2);
    }

    private void ConvertToTable()
    {
        var table = new ByteTable(withValues: false, Math.Max(4, _intCount), indexed: true);
        Span<byte> tmp = stackalloc byte[20];
        for (int i = 0; i < _intCount; i++)
        {
            Utf8Formatter.TryFormat(_ints[i], tmp, out int n);
            table.AddNew(tmp.Slice(0, n).ToArray(), null);
        }
        _table = table;
        _ints = Array.Empty<long>();
        _intCount = 0;
    }
}
