using Kvs.Core.Config;
using Kvs.Core.Storage;

namespace Kvs.Core.Services;

/// <summary>
/// The metadata rules of SPEC §3: what a new entry starts with, what every change does to it
/// (next version, revision, timestamps, author, op, comment) and the revision history.
/// </summary>
public interface IMetadataService
{
    void InitializeNew(KvsEntry entry, WriteContext ctx, long now, long revision);

    /// <summary>
    /// Called before a change: pushes the entry's current revision into its history.
    /// <paramref name="valueMutatedInPlace"/> says whether the value object is about to be
    /// modified (then a snapshot or hash is taken now). Returns a byte array evicted from the
    /// history that the caller may reuse for a new string value, or null.
    /// </summary>
    byte[]? RecordPrevious(KvsEntry entry, bool valueMutatedInPlace);

    /// <summary>Called after a change: version + 1, the new revision, time, op, author, comment.</summary>
    void ApplyChange(KvsEntry entry, WriteContext ctx, long now, long revision);

    /// <summary>True when some history entry holds <paramref name="value"/> (it must not be overwritten in place).</summary>
    bool HistoryReferences(KvsEntry entry, object value);

    /// <summary>Number of revisions in the history, the current one included.</summary>
    int HistoryLength(KvsEntry entry);

    /// <summary>The revisions, newest first (the current one first), at most <paramref name="count"/>.</summary>
    List<HistoryEntry> GetHistory(KvsEntry entry, int count);

    /// <summary>The value of <paramref name="version"/> if it is retained (kvs-history-values).</summary>
    bool TryGetVersionValue(KvsEntry entry, long version, out object? value);
}

public sealed class MetadataService(ServerConfig config, IHashingService hashing) : IMetadataService
{
    /// <summary>Strings up to this size are kept by reference in history and hashed only when read.</summary>
    private const int SmallStringSnapshot = 64;

    public void InitializeNew(KvsEntry entry, WriteContext ctx, long now, long revision)
    {
        entry.Version = 1;
        entry.Revision = revision;
        entry.CreatedAt = now;
        entry.UpdatedAt = now;
        entry.LastOp = ctx.Op;
        entry.ModifiedBy = ctx.ModifiedBy;
        if (ctx.Comment != null) entry.GetOrCreateExtras().Comment = ctx.Comment;
    }

    public byte[]? RecordPrevious(KvsEntry entry, bool valueMutatedInPlace)
    {
        int capacity = config.KvsHistoryDepth - 1;
        if (capacity <= 0) return null;
        var extras = entry.GetOrCreateExtras();
        var record = new HistoryEntry
        {
            Version = entry.Version,
            Revision = entry.Revision,
            Timestamp = entry.UpdatedAt,
            Op = entry.LastOp,
            ModifiedBy = entry.ModifiedBy,
            Comment = extras.Comment,
            Type = entry.Type,
            Hash = extras.DataHash,
        };
        bool retain = config.KvsHistoryValues > 1;
        if (retain)
        {
            record.Value = valueMutatedInPlace ? KvsValues.Clone(entry.Type, entry.Value) : entry.Value;
            record.Retained = true;
        }
        else if (record.Hash == null)
        {
            if (entry.Value is byte[] s && s.Length <= SmallStringSnapshot)
                record.Value = valueMutatedInPlace ? (byte[])s.Clone() : s;
            else if (entry.Type == KvsType.String)
                record.Hash = hashing.Hash(KvsType.String, entry.Value);
            // Large collections: hashing on every write would turn O(1) commands into O(n); the
            // history records no hash unless one was computed before the change (docs/data-hash.md).
        }
        extras.History ??= new HistoryRing();
        var evicted = extras.History.Push(record, capacity);
        if (retain) ApplyRetentionWindow(extras.History);
        return !evicted.Retained && evicted.Value is byte[] recyclable && !ReferenceEquals(recyclable, entry.Value) ? recyclable : null;
    }

    /// <summary>Values older than the kvs-history-values window are dropped (hashed first if still needed).</summary>
    private void ApplyRetentionWindow(HistoryRing ring)
    {
        int keep = config.KvsHistoryValues - 1;
        for (int i = keep; i < ring.Count; i++)
        {
            ref var h = ref ring[i];
            if (!h.Retained) break;
            if (h.Hash == null && h.Value != null && (h.Type != KvsType.String || ((byte[])h.Value).Length > SmallStringSnapshot))
                h.Hash = hashing.Hash(h.Type, h.Value);
            h.Retained = false;
            if (h.Hash != null || h.Type != KvsType.String) h.Value = null;
        }
    }

    public void ApplyChange(KvsEntry entry, WriteContext ctx, long now, long revision)
    {
        entry.Version++;
        entry.Revision = revision;
        entry.UpdatedAt = now;
        entry.LastOp = ctx.Op;
        entry.ModifiedBy = ctx.ModifiedBy;
        var extras = entry.Extras;
        if (extras != null)
        {
            extras.DataHash = null;
            extras.Comment = ctx.Comment;
        }
        else if (ctx.Comment != null)
        {
            entry.GetOrCreateExtras().Comment = ctx.Comment;
        }
    }

    public bool HistoryReferences(KvsEntry entry, object value)
    {
        var ring = entry.Extras?.History;
        if (ring == null) return false;
        for (int i = 0; i < ring.Count; i++)
            if (ReferenceEquals(ring[i].Value, value)) return true;
        return false;
    }

    public int HistoryLength(KvsEntry entry) => 1 + (entry.Extras?.History?.Count ?? 0);

    public List<HistoryEntry> GetHistory(KvsEntry entry, int count)
    {
        var list = new List<HistoryEntry>(Math.Min(count, HistoryLength(entry)));
        if (count <= 0) return list;
        list.Add(new HistoryEntry
        {
            Version = entry.Version,
            Revision = entry.Revision,
            Timestamp = entry.UpdatedAt,
            Op = entry.LastOp,
            ModifiedBy = entry.ModifiedBy,
            Comment = entry.Extras?.Comment,
            Type = entry.Type,
            Hash = hashing.GetDataHash(entry),
        });
        var ring = entry.Extras?.History;
        for (int i = 0; ring != null && i < ring.Count && list.Count < count; i++)
        {
            ref var h = ref ring[i];
            if (h.Hash == null && h.Value != null) h.Hash = hashing.Hash(h.Type, h.Value);
            list.Add(h);
        }
        return list;
    }

    public bool TryGetVersionValue(KvsEntry entry, long version, out object? value)
    {
        value = null;
        if (version == entry.Version)
        {
            value = entry.Value;
            return true;
        }
        var ring = entry.Extras?.History;
        if (ring == null) return false;
        for (int i = 0; i < ring.Count; i++)
        {
            ref var h = ref ring[i];
            if (h.Version == version && h.Retained)
            {
                value = h.Value;
                return true;
            }
        }
        return false;
    }
}
