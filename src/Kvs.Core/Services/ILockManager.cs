namespace Kvs.Core.Services;

/// <summary>
/// The design's lock manager. Kvs serialises all store access under one lock (ADR 0001), so
/// <c>WithLock</c> is the way for code outside a command batch (background jobs, tools, the HTTP
/// endpoints) to run against the store atomically.
/// </summary>
public interface ILockManager
{
    object SyncRoot { get; }
    void WithLock(Action action);
    T WithLock<T>(Func<T> func);
}

public sealed class GlobalLockManager : ILockManager
{
    public object SyncRoot { get; } = new();

    public void WithLock(Action action)
    {
        lock (SyncRoot) action();
    }

    public T WithLock<T>(Func<T> func)
    {
        lock (SyncRoot) return func();
    }
}
