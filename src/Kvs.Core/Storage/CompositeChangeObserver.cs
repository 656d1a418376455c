namespace Kvs.Core.Storage;

/// <summary>
/// Lets several independent observers (blocking-pop wake-ups, keyspace events, persistence)
/// share the store's single <see cref="KvsStore.Observer"/> slot: each call is forwarded to every
/// observer in registration order. The store keeps calling one observer, so a server with one
/// observer pays nothing extra.
/// </summary>
public sealed class CompositeChangeObserver : IChangeObserver
{
    private IChangeObserver[] _observers;

    public CompositeChangeObserver(params IChangeObserver[] observers) => _observers = observers;

    public IReadOnlyList<IChangeObserver> Observers => _observers;

    /// <summary>Adds an observer (copy on write: called at startup, not per command).</summary>
    public void Add(IChangeObserver observer)
    {
        var bigger = new IChangeObserver[_observers.Length + 1];
        _observers.CopyTo(bigger, 0);
        bigger[^1] = observer;
        _observers = bigger;
    }

    public void OnChanging(Database db, KvsEntry entry, WriteContext ctx)
    {
        foreach (var o in _observers) o.OnChanging(db, entry, ctx);
    }

    public void OnChanged(Database db, KvsEntry entry, ChangeKind kind, WriteContext ctx)
    {
        foreach (var o in _observers) o.OnChanged(db, entry, kind, ctx);
    }

    public void OnFlushed(Database db, WriteContext ctx)
    {
        foreach (var o in _observers) o.OnFlushed(db, ctx);
    }

    public void OnSwapped(Database a, Database b, WriteContext ctx)
    {
        foreach (var o in _observers) o.OnSwapped(a, b, ctx);
    }
}
