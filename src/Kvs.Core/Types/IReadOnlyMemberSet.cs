namespace Kvs.Core.Types;

/// <summary>
/// Read access to the members of a plain Redis set (<see cref="Storage.KvsType.Set"/>), for the
/// commands of other types that accept sets as inputs: ZUNION, ZINTER, ZDIFF, their STORE forms
/// and ZINTERCARD read every member of a set as an element with score 1, as Redis does. The set
/// type's value class implements this; a set value that does not is refused with WRONGTYPE.
/// </summary>
public interface IReadOnlyMemberSet
{
    int Count { get; }

    bool Contains(ReadOnlySpan<byte> member);

    /// <summary>Appends every member (the arrays may be the set's own: callers must not modify them).</summary>
    void CopyMembersTo(List<byte[]> into);
}
