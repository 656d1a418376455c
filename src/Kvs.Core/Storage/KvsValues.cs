namespace Kvs.Core.Storage;

/// <summary>Operations on values of every type: deep copies (COPY, retained history versions).</summary>
public static partial class KvsValues
{
    /// <summary>Types other than strings register their deep-copy function here.</summary>
    public static readonly Dictionary<KvsType, Func<object, object>> Cloners = new();

    public static object Clone(KvsType type, object value)
    {
        if (type == KvsType.String) return ((byte[])value).Clone();
        if (Cloners.TryGetValue(type, out var clone)) return clone(value);
        throw new InvalidOperationException($"No deep copy registered for type {type}");
    }

    /// <summary>
    /// A deep copy of an entry's value (COPY): independent of the original, so a later in-place
    /// change of one key (APPEND, SETRANGE, HSET...) never shows through the other.
    /// </summary>
    public static object Clone(KvsEntry entry) => Clone(entry.Type, entry.Value);
}
