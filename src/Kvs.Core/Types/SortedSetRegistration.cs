using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Kvs.Core.Services;
using Kvs.Core.Storage;

namespace Kvs.Core.Types;

/// <summary>
/// Registers the sorted-set type with the type-agnostic services when Kvs.Core loads: its deep
/// copy (COPY, retained history values) and its canonical data-hash encoding (docs/data-hash.md):
/// the element "zset", then for each member in ascending byte order the member and its score as
/// Redis replies with it (<see cref="ScoreFormat.FormatG17"/>), each length-prefixed.
/// </summary>
internal static class SortedSetRegistration
{
#pragma warning disable CA2255 // The registries must be filled before any value of the type exists.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        KvsValues.Cloners[KvsType.ZSet] = value => ((RedisSortedSet)value).Clone();
        Sha256HashingService.CollectionEncoders[KvsType.ZSet] = Encode;
    }

    private static void Encode(object value, IncrementalHash hash)
    {
        var set = (RedisSortedSet)value;
        var nodes = new SortedSetNode[set.Count];
        int i = 0;
        for (var n = set.First; n != null; n = n.Next) nodes[i++] = n;
        Array.Sort(nodes, static (a, b) => a.Member.AsSpan().SequenceCompareTo(b.Member));
        Sha256HashingService.AppendElement(hash, "zset"u8);
        Span<byte> score = stackalloc byte[ScoreFormat.MaxLength];
        foreach (var n in nodes)
        {
            Sha256HashingService.AppendElement(hash, n.Member);
            Sha256HashingService.AppendElement(hash, score.Slice(0, ScoreFormat.FormatG17(n.Score, score)));
        }
    }
}
