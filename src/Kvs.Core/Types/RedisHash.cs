namespace Kvs.Core.Types;

/// <summary>
/// The value of a hash key: field → value, both binary safe.
/// <para>
/// Encoding as Redis 7.0 reports it: <c>listpack</c> while the hash has at most
/// hash-max-listpack-entries fields and no field or value longer than hash-max-listpack-value
/// bytes, then <c>hashtable</c> for good (Redis never converts back). The listpack stage is a
/// compact <see cref="ByteTable"/> that keeps insertion order, so HGETALL/HKEYS/HVALS/HSCAN reply
/// in the same order as Redis; the hashtable stage is the indexed table (order unspecified, as in
/// Redis).
/// </para>
/// </summary>
public sealed class RedisHash
{
    private readonly ByteTable _table;

    public RedisHash() => _table = new ByteTable(withValues: true);

    private RedisHash(ByteTable table) => _table = table;

    public int Count => _table.Count;

    /// <summary>True while Redis would report "listpack".</summary>
    public bool IsListpack => !_table.IsIndexed;

    /// <summary>The underlying table (iteration by index, SCAN, random picks).</summary>
    public ByteTable Table => _table;

    public int IndexOf(ReadOnlySpan<byte> field) => _table.IndexOf(field);

    public byte[] FieldAt(int index) => _table.KeyAt(index);

    public byte[] ValueAt(int index) => _table.ValueAt(index);

    /// <summary>The value of <paramref name="field"/>, or null.</summary>
    public byte[]? Get(ReadOnlySpan<byte> field)
    {
        int i = _table.IndexOf(field);
        return i < 0 ? null : _table.ValueAt(i);
    }

    /// <summary>
    /// Sets a field (Redis's hashTypeSet): returns true when the field is new. A field or value
    /// longer than <paramref name="maxListpackValue"/>, or more than
    /// <paramref name="maxListpackEntries"/> fields, converts the hash to a hashtable.
    /// </summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, long maxListpackEntries, long maxListpackValue)
    {
        if (IsListpack && (field.Length > maxListpackValue || value.Length > maxListpackValue)) _table.MakeIndexed();
        bool added = _table.Set(field, value);
        if (added && IsListpack && _table.Count > maxListpackEntries) _table.MakeIndexed();
        return added;
    }

    /// <summary>Replaces the value at an index with a new array (HINCRBY*), applying the listpack length limit.</summary>
    public void SetValueAt(int index, byte[] value, long maxListpackValue)
    {
        if (IsListpack && value.Length > maxListpackValue) _table.MakeIndexed();
        _table.SetValueAt(index, value);
    }

    public bool Remove(ReadOnlySpan<byte> field) => _table.Remove(field);

    public RedisHash Clone() => new(_table.Clone());
}
