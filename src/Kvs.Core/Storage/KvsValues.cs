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
}
