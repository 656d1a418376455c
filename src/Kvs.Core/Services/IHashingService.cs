using System.Security.Cryptography;
using Kvs.Core.Storage;

namespace Kvs.Core.Services;

/// <summary>The content hash of values (SPEC §3 data_hash): SHA-256 over a canonical encoding.</summary>
public interface IHashingService
{
    /// <summary>SHA-256 of the value of type <paramref name="type"/>; see <see cref="Sha256HashingService"/> for the encodings.</summary>
    byte[] Hash(KvsType type, object value);

    /// <summary>The entry's current hash, computed on first use after a change and cached until the next change.</summary>
    byte[] GetDataHash(KvsEntry entry);
}

/// <summary>
/// SHA-256 of the value. Strings hash their raw bytes. Collections hash a canonical encoding that
/// does not depend on internal layout (see docs/data-hash.md): each element is written as a
/// 4-byte big-endian length followed by its bytes; hashes and sets are ordered by field/member
/// bytes, sorted sets by member with the score as Redis formats it, lists in list order, and the
/// encoding starts with the type name. Collection types register their encoder in
/// <see cref="CollectionEncoders"/>.
/// </summary>
public sealed class Sha256HashingService : IHashingService
{
    /// <summary>Writes a collection's canonical encoding into an incremental hash.</summary>
    public delegate void CollectionEncoder(object value, IncrementalHash hash);

    public static readonly Dictionary<KvsType, CollectionEncoder> CollectionEncoders = new();

    public byte[] Hash(KvsType type, object value)
    {
        if (type == KvsType.String) return SHA256.HashData((byte[])value);
        if (!CollectionEncoders.TryGetValue(type, out var encoder))
            throw new InvalidOperationException($"No canonical encoding registered for type {type}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        encoder(value, hash);
        return hash.GetHashAndReset();
    }

    public byte[] GetDataHash(KvsEntry entry)
    {
        var extras = entry.GetOrCreateExtras();
        return extras.DataHash ??= Hash(entry.Type, entry.Value);
    }

    /// <summary>Appends one length-prefixed element to a canonical encoding.</summary>
    public static void AppendElement(IncrementalHash hash, ReadOnlySpan<byte> element)
    {
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, element.Length);
        hash.AppendData(len);
        hash.AppendData(element);
    }

    /// <summary>"sha256:" + lower-case hex.</summary>
    public static string Format(byte[] hash) => "sha256:" + Convert.ToHexStringLower(hash);
}
