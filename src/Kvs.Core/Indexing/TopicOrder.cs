using Kvs.Core.Services;
using Kvs.Core.Storage;

namespace Kvs.Core.Indexing;

/// <summary>
/// Orders keys by topic (the key with separators read as '/'), then by raw key bytes, without
/// materialising topics. In this order every namespace is one contiguous range, so "all keys
/// under users/active" is a range scan from the prefix.
/// </summary>
public sealed class TopicOrder(IKeyService keys) : IComparer<KvsEntry>
{
    public int Compare(KvsEntry? x, KvsEntry? y) => Compare(x!.Key, y!.Key);

    public int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            int c = keys.TopicByte(a[i]) - keys.TopicByte(b[i]);
            if (c != 0) return c;
        }
        if (a.Length != b.Length) return a.Length - b.Length;
        return a.SequenceCompareTo(b);
    }

    /// <summary>True when the key's topic starts with <paramref name="topicPrefix"/> (bytes with '/' separators).</summary>
    public bool TopicStartsWith(ReadOnlySpan<byte> key, ReadOnlySpan<byte> topicPrefix)
    {
        if (key.Length < topicPrefix.Length) return false;
        for (int i = 0; i < topicPrefix.Length; i++)
            if (keys.TopicByte(key[i]) != topicPrefix[i]) return false;
        return true;
    }
}
