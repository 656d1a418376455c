using System.Text;
using Kvs.Core.Config;

namespace Kvs.Core.Services;

/// <summary>The hierarchy of a key (SPEC §2): its levels, namespace, name and topic.</summary>
public interface IKeyService
{
    /// <summary>True for the bytes that separate levels (<c>kvs-separators</c>, default "/:").</summary>
    bool IsSeparator(byte b);

    /// <summary>The levels before the last, joined with '/': <c>users/active:123</c> → <c>users/active</c>.</summary>
    string GetNamespace(ReadOnlySpan<byte> key);

    /// <summary>The last level: <c>users/active:123</c> → <c>123</c>.</summary>
    string GetName(ReadOnlySpan<byte> key);

    /// <summary>All levels joined with '/': <c>user:1000:profile</c> → <c>user/1000/profile</c> (bytes, for channels).</summary>
    byte[] GetTopic(ReadOnlySpan<byte> key);

    /// <summary>A key byte as it reads in the topic (separators become '/'), for allocation-free ordering.</summary>
    byte TopicByte(byte keyByte);
}

/// <summary>Levels split at any byte of <c>kvs-separators</c>; the key bytes themselves are never rewritten.</summary>
public sealed class KeyService : IKeyService
{
    private readonly bool[] _separators = new bool[256];

    public KeyService(ServerConfig config)
    {
        foreach (char c in config.KvsSeparators)
            if (c < 256) _separators[c] = true;
    }

    public bool IsSeparator(byte b) => _separators[b];

    public byte TopicByte(byte keyByte) => _separators[keyByte] ? (byte)'/' : keyByte;

    public string GetNamespace(ReadOnlySpan<byte> key)
    {
        int last = LastSeparator(key);
        return last < 0 ? "" : Encoding.UTF8.GetString(GetTopic(key.Slice(0, last)));
    }

    public string GetName(ReadOnlySpan<byte> key) => Encoding.UTF8.GetString(key.Slice(LastSeparator(key) + 1));

    public byte[] GetTopic(ReadOnlySpan<byte> key)
    {
        var topic = key.ToArray();
        for (int i = 0; i < topic.Length; i++)
            if (_separators[topic[i]]) topic[i] = (byte)'/';
        return topic;
    }

    private int LastSeparator(ReadOnlySpan<byte> key)
    {
        for (int i = key.Length - 1; i >= 0; i--)
            if (_separators[key[i]]) return i;
        return -1;
    }
}
