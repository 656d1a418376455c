namespace Kvs.Core.Types;

/// <summary>
/// What SORT and SORT_RO need from the value they sort (lists, sets and sorted sets implement it),
/// so that the command does not depend on each collection's internals.
/// <para>
/// Redis rules the implementations follow: lists and sorted sets have a natural order (list
/// order; sorted-set rank order) that SORT keeps when it does not sort (<c>BY</c> a pattern
/// without '*'), honouring DESC and LIMIT directly; sets have none. Redis converts a listpack
/// sorted set to a skiplist whenever SORT reads it, so a sorted-set implementation should switch
/// its reported encoding in <see cref="CollectAll"/> and <see cref="CollectRange"/>.
/// </para>
/// </summary>
public interface ISortable
{
    /// <summary>Number of elements.</summary>
    int Count { get; }

    /// <summary>True for lists and sorted sets.</summary>
    bool HasNaturalOrder { get; }

    /// <summary>Appends every element (the arrays may be shared with the collection: read only).</summary>
    void CollectAll(List<byte[]> into);

    /// <summary>
    /// Appends <paramref name="count"/> elements of the natural order starting at position
    /// <paramref name="start"/>, counted from the end and walking backwards when
    /// <paramref name="reverse"/> (SORT ... DESC without sorting).
    /// </summary>
    void CollectRange(int start, int count, bool reverse, List<byte[]> into);
}

/// <summary>
/// Hooks between SORT and collection types implemented elsewhere: SORT ... STORE writes a list,
/// so the list implementation registers how to build one from elements.
/// </summary>
public static class SortSupport
{
    /// <summary>Builds a list value (for <c>KvsType.List</c>) holding the elements in order; null until lists register it.</summary>
    public static Func<List<byte[]>, object>? CreateList;
}
