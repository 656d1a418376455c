namespace Kvs.Core.Storage;

/// <summary>
/// Operations on a key's value that depend on its type and are needed outside the type's own
/// command family (COPY today). Each data type adds its case when it is implemented, so a type
/// that forgot to fails loudly instead of sharing mutable state between two keys.
/// </summary>
public static class KvsValues
{
    /// <summary>
    /// A deep copy of the entry's value, independent of the original (Redis's dupStringObject and
    /// its siblings for the other types): COPY must not let a later in-place change of one key
    /// (APPEND, SETRANGE, HSET...) show through the other.
    /// </summary>
    public static object Clone(KvsEntry entry) => entry.Type switch
    {
        KvsType.String => entry.StringValue.AsSpan().ToArray(),
        _ => throw new NotSupportedException($"Copying a value of type {entry.Type} is not implemented (add its case to KvsValues.Clone)."),
    };
}
