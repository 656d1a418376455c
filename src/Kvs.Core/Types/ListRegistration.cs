using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Kvs.Core.Services;
using Kvs.Core.Storage;

namespace Kvs.Core.Types;

/// <summary>
/// Registers the list type with the type-generic services at assembly load: the deep copy used by
/// COPY and retained history versions, and the canonical encoding behind data_hash
/// (docs/data-hash.md): the length-prefixed type name "list", then every element, length-prefixed,
/// head to tail.
/// </summary>
internal static class ListRegistration
{
    // CA2255 warns libraries off module initializers; here it is the point: the registries must be
    // filled before any value of the type can exist, whichever entry point loads Kvs.Core.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        KvsValues.Cloners[KvsType.List] = static value => ((RedisList)value).Clone();
        Sha256HashingService.CollectionEncoders[KvsType.List] = Encode;
    }

    private static void Encode(object value, IncrementalHash hash)
    {
        var list = (RedisList)value;
        Sha256HashingService.AppendElement(hash, "list"u8);
        for (int i = 0; i < list.Count; i++) Sha256HashingService.AppendElement(hash, list[i]);
    }
}
