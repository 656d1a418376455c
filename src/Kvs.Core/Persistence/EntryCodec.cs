using System.Text;
using Kvs.Core.Services;
using Kvs.Core.Storage;

namespace Kvs.Core.Persistence;

/// <summary>
/// One key of a snapshot, with all its metadata (SPEC §3), so that a restart restores versions,
/// revisions, timestamps, TTL, tags and history exactly:
/// <code>
/// Entry: 1, varint db, bytes key, byte type, byte flags, value (type codec),
///        varint version, varint revision, i64 created_at, i64 updated_at, i64 expires_at,
///        nstring op, nstring modified_by, nstring comment, nstring schema_hash,
///        varint tag count, tag count × nstring,
///        varint history count, per previous revision (newest first):
///          varint version, varint revision, i64 timestamp, nstring op, nstring modified_by,
///          nstring comment, byte type, nbytes data hash, byte retained, [value if retained]
/// End:   0xFF, varint entry count, varint revision      (last record; a file without it is incomplete)
/// </code>
/// A previous revision's small string value that is kept only to be hashed later is stored as its
/// hash (what it stands for); retained values (kvs-history-values) are stored in full.
/// </summary>
public static class EntryCodec
{
    public const byte EntryRecord = 1;
    public const byte EndRecord = 0xFF;

    public static void Write(RecordBuffer b, int db, KvsEntry e, IHashingService hashing)
    {
        b.WriteByte(EntryRecord);
        b.WriteVarint((ulong)db);
        b.WriteBytes(e.Key);
        b.WriteByte((byte)e.Type);
        b.WriteByte((byte)e.Flags);
        ValueCodecs.Write(e.Type, e.Value, b);
        b.WriteVarint(e.Version);
        b.WriteVarint(e.Revision);
        b.WriteInt64(e.CreatedAt);
        b.WriteInt64(e.UpdatedAt);
        b.WriteInt64(e.ExpiresAt);
        b.WriteString(e.LastOp);
        b.WriteString(e.ModifiedBy);
        var x = e.Extras;
        b.WriteString(x?.Comment);
        b.WriteString(x?.SchemaHash);
        var tags = x?.Tags;
        b.WriteVarint((ulong)(tags?.Count ?? 0));
        if (tags != null)
            foreach (var t in tags) b.WriteString(t);
        var ring = x?.History;
        int count = ring?.Count ?? 0;
        b.WriteVarint((ulong)count);
        for (int i = 0; i < count; i++)
        {
            ref var h = ref ring![i];
            b.WriteVarint(h.Version);
            b.WriteVarint(h.Revision);
            b.WriteInt64(h.Timestamp);
            b.WriteString(h.Op);
            b.WriteString(h.ModifiedBy);
            b.WriteString(h.Comment);
            b.WriteByte((byte)h.Type);
            byte[]? hash = h.Hash;
            if (hash == null && h.Value != null && !h.Retained) hash = hashing.Hash(h.Type, h.Value);
            b.WriteNullableBytes(hash, hash == null);
            b.WriteByte((byte)(h.Retained && h.Value != null ? 1 : 0));
            if (h.Retained && h.Value != null) ValueCodecs.Write(h.Type, h.Value, b);
        }
    }

    public static void WriteEnd(RecordBuffer b, long count, long revision)
    {
        b.WriteByte(EndRecord);
        b.WriteVarint((ulong)count);
        b.WriteVarint(revision);
    }

    /// <summary>Decodes an entry record (after its kind byte was checked). <paramref name="historyCapacity"/> is kvs-history-depth - 1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static KvsEntry Read(ref RecordReader r, out int db, int historyCapacity, StringCache strings)
    {
        if (r.ReadByte() != EntryRecord) throw new FormatException("not an entry record");
        db = r.ReadCount();
        var key = r.ReadBytes().ToArray();
        var type = (KvsType)r.ReadByte();
        var flags = (EntryFlags)r.ReadByte();
        object value = ValueCodecs.Read(type, ref r);
        var e = new KvsEntry(key, KeyHash.Compute(key), value, type, "")
        {
            Flags = flags,
            Version = r.ReadVarintLong(),
            Revision = r.ReadVarintLong(),
            CreatedAt = r.ReadInt64(),
            UpdatedAt = r.ReadInt64(),
            ExpiresAt = r.ReadInt64(),
        };
        e.LastOp = strings.Read(ref r) ?? "";
        e.ModifiedBy = strings.Read(ref r);
        string? comment = r.ReadString();
        string? schema = r.ReadString();
        int tagCount = r.ReadCount();
        HashSet<string>? tags = null;
        if (tagCount > 0)
        {
            tags = new HashSet<string>(tagCount, StringComparer.Ordinal);
            for (int i = 0; i < tagCount; i++) tags.Add(strings.Read(ref r) ?? "");
        }
        int historyCount = r.ReadCount();
        HistoryEntry[]? history = historyCount > 0 ? new HistoryEntry[historyCount] : null;
        for (int i = 0; i < historyCount; i++)
        {
            var h = new HistoryEntry
            {
                Version = r.ReadVarintLong(),
                Revision = r.ReadVarintLong(),
                Timestamp = r.ReadInt64(),
                Op = strings.Read(ref r) ?? "",
                ModifiedBy = strings.Read(ref r),
                Comment = r.ReadString(),
                Type = (KvsType)r.ReadByte(),
            };
            var hash = r.ReadNullableBytes(out bool noHash);
            if (!noHash) h.Hash = hash.ToArray();
            if (r.ReadByte() != 0)
            {
                h.Value = ValueCodecs.Read(h.Type, ref r);
                h.Retained = true;
            }
            history![i] = h;
        }
        if (comment != null || schema != null || tags != null || history != null)
        {
            var x = e.GetOrCreateExtras();
            x.Comment = comment;
            x.SchemaHash = schema;
            x.Tags = tags;
            if (history != null && historyCapacity > 0)
            {
                x.History = new HistoryRing();
                for (int i = history.Length - 1; i >= 0; i--) x.History.Push(history[i], historyCapacity);
            }
        }
        return e;
    }
}

/// <summary>
/// Shares the strings that repeat across a million keys (ops, authors, tags) while loading, so a
/// restart does not allocate one copy of "set" per key.
/// </summary>
public sealed class StringCache
{
    private readonly (byte[] Bytes, string Text)[] _slots = new (byte[], string)[64];
    private int _next;

    public string? Read(ref RecordReader r)
    {
        var bytes = r.ReadNullableBytes(out bool isNull);
        if (isNull) return null;
        if (bytes.Length > 64) return Encoding.UTF8.GetString(bytes);
        for (int i = 0; i < _slots.Length; i++)
        {
            var slot = _slots[i];
            if (slot.Bytes == null) break;
            if (bytes.SequenceEqual(slot.Bytes)) return slot.Text;
        }
        string text = Encoding.UTF8.GetString(bytes);
        _slots[_next] = (bytes.ToArray(), text);
        _next = (_next + 1) % _slots.Length;
        return text;
    }
}
