namespace Kvs.Core.Storage;

/// <summary>
/// One numbered database (SELECT n). SWAPDB exchanges the contents of two of these objects, not
/// the objects, so sessions that hold a <see cref="Database"/> see the swap as Redis clients do.
/// </summary>
public sealed class Database
{
    public Database(int index) => Index = index;

    public int Index { get; }
    public KeyTable Keys { get; private set; } = new();
    public ExpireSet Expires { get; private set; } = new();

    public int Count => Keys.Count;

    public void SwapContents(Database other)
    {
        (Keys, other.Keys) = (other.Keys, Keys);
        (Expires, other.Expires) = (other.Expires, Expires);
    }

    public void Clear()
    {
        Keys = new KeyTable();
        Expires = new ExpireSet();
    }
}
