namespace Kvs.Core.Storage;

/// <summary>Registration of several change observers on the store's single observer slot.</summary>
public sealed partial class KvsStore
{
    /// <summary>
    /// Adds an observer next to the ones already registered: the first one is stored as is, a
    /// second one turns the slot into a <see cref="CompositeChangeObserver"/>.
    /// </summary>
    public void AddObserver(IChangeObserver observer)
    {
        if (Observer == null) Observer = observer;
        else if (Observer is CompositeChangeObserver composite) composite.Add(observer);
        else Observer = new CompositeChangeObserver(Observer, observer);
    }
}
