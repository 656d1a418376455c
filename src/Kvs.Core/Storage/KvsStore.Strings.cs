namespace Kvs.Core.Storage;

/// <summary>Store primitives for the string commands that edit a value instead of replacing it.</summary>
public sealed partial class KvsStore
{
    /// <summary>
    /// Starts an in-place edit of an existing string key (APPEND, SETRANGE, INCR...): notifies
    /// observers and records the current revision in the history as <see cref="BeginUpdate"/>
    /// does, and returns the array of <paramref name="newLength"/> bytes that now holds the key's
    /// value, with the old bytes in front and zeros after them. The caller writes its bytes,
    /// adjusts <see cref="KvsEntry.Flags"/> and calls <see cref="CompleteUpdate"/>.
    /// <para>
    /// The history may keep the old array (small values are hashed only when read), so the edit
    /// writes into the current array only when nothing holds it, else into an array the history
    /// just evicted, else a new one: INCR on a counter of stable width allocates nothing once the
    /// history ring is full, and no retained or snapshotted old value ever changes under a reader.
    /// </para>
    /// </summary>
    public byte[] BeginStringEdit(Database db, KvsEntry e, int newLength, WriteContext ctx)
    {
        Observer?.OnChanging(db, e, ctx);
        var old = e.StringValue;
        var recyclable = _metadata.RecordPrevious(e, valueMutatedInPlace: false);
        if (old.Length == newLength && !_metadata.HistoryReferences(e, old)) return old;
        byte[] fresh;
        if (recyclable != null && recyclable.Length == newLength && !_metadata.HistoryReferences(e, recyclable)) fresh = recyclable;
        else fresh = newLength == 0 ? Array.Empty<byte>() : GC.AllocateUninitializedArray<byte>(newLength);
        int kept = Math.Min(old.Length, newLength);
        old.AsSpan(0, kept).CopyTo(fresh);
        fresh.AsSpan(kept).Clear();
        e.Value = fresh;
        return fresh;
    }
}
