using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Kvs.Core.Services;
using Kvs.Core.Storage;

namespace Kvs.Core.Types;

/// <summary>
/// Registers hashes and sets with the type-agnostic services when the assembly loads: deep copy
/// (COPY, retained history versions) and the canonical encoding behind data_hash
/// (docs/data-hash.md).
/// </summary>
internal static class HashAndSetRegistration
{
    // A library module initializer is deliberate: the registries must be filled before any
    // command runs, whichever assembly first touches Kvs.Core.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        KvsValues.Cloners[KvsType.Hash] = v => ((RedisHash)v).Clone();
        KvsValues.Cloners[KvsType.Set] = v => ((RedisSet)v).Clone();
        Sha256HashingService.CollectionEncoders[KvsType.Hash] = EncodeHash;
        Sha256HashingService.CollectionEncoders[KvsType.Set] = EncodeSet;
    }

    /// <summary>"hash", then field, value, field, value... ordered by field bytes (memcmp order).</summary>
    private static void EncodeHash(object value, IncrementalHash hash)
    {
        var h = (RedisHash)value;
        var order = SortedIndices(h.Count, h.FieldAt);
        Sha256HashingService.AppendElement(hash, "hash"u8);
        foreach (int i in order)
        {
            Sha256HashingService.AppendElement(hash, h.FieldAt(i));
            Sha256HashingService.AppendElement(hash, h.ValueAt(i));
        }
    }

    /// <summary>"set", then the members ordered by their bytes (integers as their decimal text).</summary>
    private static void EncodeSet(object value, IncrementalHash hash)
    {
        var s = (RedisSet)value;
        var members = new byte[s.Count][];
        for (int i = 0; i < members.Length; i++) members[i] = s.MemberArrayAt(i);
        Array.Sort(members, CompareBytes);
        Sha256HashingService.AppendElement(hash, "set"u8);
        foreach (var m in members) Sha256HashingService.AppendElement(hash, m);
    }

    private static int[] SortedIndices(int count, Func<int, byte[]> keyAt)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        Array.Sort(order, (a, b) => CompareBytes(keyAt(a), keyAt(b)));
        return order;
    }

    private static int CompareBytes(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b);
}
