using Kvs.Core.Indexing;
using Kvs.Core.Services;

namespace Kvs.Core.Storage;

/// <summary>
/// The design's core storage driver: where entries physically live. The orchestrator
/// (<see cref="KvsStore"/>) asks it to find, add and remove entries and never touches the
/// structures itself, so another driver can replace the in-memory one.
/// </summary>
public interface IStorageDriver
{
    int DatabaseCount { get; }
    Database GetDatabase(int index);
    KvsEntry? Find(Database db, ReadOnlySpan<byte> key, uint hash);
    void Add(Database db, KvsEntry entry);
    void Remove(Database db, KvsEntry entry);
    void SetExpiry(Database db, KvsEntry entry, long expiresAt);
    void AddTag(Database db, KvsEntry entry, string tag);
    void RemoveTag(Database db, KvsEntry entry, string tag);
    void Clear(Database db);
    void Swap(Database a, Database b);
}

/// <summary>The in-memory driver: per database a <see cref="KeyTable"/>, an <see cref="ExpireSet"/> and the FIND indexes.</summary>
public sealed class InMemoryStorageDriver : IStorageDriver
{
    private readonly Database[] _databases;

    public InMemoryStorageDriver(Config.ServerConfig config, IKeyService keys)
    {
        var order = new TopicOrder(keys);
        _databases = new Database[config.Databases];
        for (int i = 0; i < _databases.Length; i++) _databases[i] = new Database(i, order);
    }

    public int DatabaseCount => _databases.Length;

    public Database GetDatabase(int index) => _databases[index];

    public KvsEntry? Find(Database db, ReadOnlySpan<byte> key, uint hash) => db.Keys.Find(key, hash);

    public void Add(Database db, KvsEntry entry)
    {
        db.Keys.Add(entry);
        db.ByTopic.Add(entry);
        if (entry.ExpiresAt != 0) db.Expires.Add(entry);
        var tags = entry.Extras?.Tags;
        if (tags != null)
            foreach (var t in tags) db.TagIndex(t).Add(entry);
    }

    public void Remove(Database db, KvsEntry entry)
    {
        db.Keys.Remove(entry);
        db.Expires.Remove(entry);
        db.ByTopic.Remove(entry);
        var tags = entry.Extras?.Tags;
        if (tags != null)
            foreach (var t in tags) RemoveFromTagIndex(db, entry, t);
    }

    public void SetExpiry(Database db, KvsEntry entry, long expiresAt)
    {
        entry.ExpiresAt = expiresAt;
        if (expiresAt != 0) db.Expires.Add(entry);
        else db.Expires.Remove(entry);
    }

    public void AddTag(Database db, KvsEntry entry, string tag) => db.TagIndex(tag).Add(entry);

    public void RemoveTag(Database db, KvsEntry entry, string tag) => RemoveFromTagIndex(db, entry, tag);

    private static void RemoveFromTagIndex(Database db, KvsEntry entry, string tag)
    {
        if (!db.ByTag.TryGetValue(tag, out var index)) return;
        index.Remove(entry);
        if (index.Count == 0) db.ByTag.Remove(tag);
    }

    public void Clear(Database db) => db.Clear();

    public void Swap(Database a, Database b) => a.SwapContents(b);
}
