using Kvs.Core.Indexing;

namespace Kvs.Core.Storage;

/// <summary>
/// One numbered database (SELECT n): its key table, its keys with a TTL, and the secondary
/// indexes behind KVS.FIND (all keys in topic order, and keys by tag). SWAPDB exchanges the
/// contents of two of these objects, not the objects, so sessions that hold a
/// <see cref="Database"/> see the swap as Redis clients do.
/// </summary>
public sealed class Database
{
    private readonly TopicOrder _order;

    public Database(int index, TopicOrder order)
    {
        Index = index;
        _order = order;
        ByTopic = new OrderedKeyIndex(order);
    }

    public int Index { get; }
    public KeyTable Keys { get; private set; } = new();
    public ExpireSet Expires { get; private set; } = new();
    /// <summary>Every key, in topic order (namespace range scans).</summary>
    public OrderedKeyIndex ByTopic { get; private set; }
    /// <summary>Keys by tag, each in topic order.</summary>
    public Dictionary<string, OrderedKeyIndex> ByTag { get; private set; } = new(StringComparer.Ordinal);

    public int Count => Keys.Count;

    internal OrderedKeyIndex TagIndex(string tag)
    {
        if (!ByTag.TryGetValue(tag, out var index)) ByTag[tag] = index = new OrderedKeyIndex(_order);
        return index;
    }

    public void SwapContents(Database other)
    {
        (Keys, other.Keys) = (other.Keys, Keys);
        (Expires, other.Expires) = (other.Expires, Expires);
        (ByTopic, other.ByTopic) = (other.ByTopic, ByTopic);
        (ByTag, other.ByTag) = (other.ByTag, ByTag);
    }

    public void Clear()
    {
        Keys = new KeyTable();
        Expires = new ExpireSet();
        ByTopic = new OrderedKeyIndex(_order);
        ByTag = new Dictionary<string, OrderedKeyIndex>(StringComparer.Ordinal);
    }
}
