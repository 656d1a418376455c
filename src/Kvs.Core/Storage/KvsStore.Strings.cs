namespace Kvs.Core.Storage;

/// <summary>Store primitives for the string commands that edit a value instead of replacing it.</summary>
public sealed partial class KvsStore
{
    /// <summary>
    /// Starts an in-place edit of an existing string key (APPEND, SETRANGE, INCR...): notifies
    /// observers as <see cref="BeginUpdate"/> does and returns the array of
    /// <paramref name="newLength"/> bytes that now holds the key's value, with the old bytes in
    /// front and zeros after them. The caller writes its bytes, adjusts
    /// <see cref="KvsEntry.Flags"/> and calls <see cref="CompleteUpdate"/>.
    /// <para>
    /// The current array is reused when the length does not change and no old values are
    /// retained (<c>kvs-history-values</c> 0): observers copy what they keep in
    /// <see cref="IChangeObserver.OnChanging"/>, so nobody else sees the bytes change; this
    /// keeps INCR on a counter of stable width allocation-free. Otherwise a new array is
    /// installed, leaving the old one intact for whoever holds it.
    /// </para>
    /// </summary>
    public byte[] BeginStringEdit(Database db, KvsEntry e, int newLength, WriteContext ctx)
    {
        Observer?.OnChanging(db, e, ctx);
        var old = e.StringValue;
        if (old.Length == newLength && Config.KvsHistoryValues == 0) return old;
        var fresh = newLength == 0 ? Array.Empty<byte>() : GC.AllocateUninitializedArray<byte>(newLength);
        int kept = Math.Min(old.Length, newLength);
        old.AsSpan(0, kept).CopyTo(fresh);
        fresh.AsSpan(kept).Clear();
        e.Value = fresh;
        return fresh;
    }
}
