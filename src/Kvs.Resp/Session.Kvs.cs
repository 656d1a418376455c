using System.Text;
using Kvs.Core.Services;
using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// The KVS.* commands (SPEC §4): metadata-aware writes with compare-and-set, reads of metadata,
/// history and retained versions, tags and the tag/namespace index.
/// </summary>
public sealed partial class Session
{
    private const int DefaultFindCount = 10;

    /// <summary>KVS.SET key value [NX|XX] [EX|PX|EXAT|PXAT|KEEPTTL] [IFVERSION v] [TAG t]... [BY who] [COMMENT text] [SCHEMA hash]</summary>
    [RespCommand("kvs.set")]
    private void NetworkKvsSet(RespArgs args)
    {
        var flags = SetFlags.None;
        ReadOnlySpan<byte> expireArg = default;
        long ifVersion = -1;
        List<string>? tags = null;
        string? by = null, comment = null;
        for (int i = 3; i < args.Count; i++)
        {
            bool hasNext = i + 1 < args.Count;
            if (args.Is(i, "NX"u8) && (flags & SetFlags.Xx) == 0) flags |= SetFlags.Nx;
            else if (args.Is(i, "XX"u8) && (flags & SetFlags.Nx) == 0) flags |= SetFlags.Xx;
            else if (args.Is(i, "KEEPTTL"u8) && (flags & SetFlags.AnyExpire) == 0) flags |= SetFlags.KeepTtl;
            else if (args.Is(i, "EX"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0 && hasNext) { flags |= SetFlags.Ex; expireArg = args[++i]; }
            else if (args.Is(i, "PX"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0 && hasNext) { flags |= SetFlags.Px; expireArg = args[++i]; }
            else if (args.Is(i, "EXAT"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0 && hasNext) { flags |= SetFlags.ExAt; expireArg = args[++i]; }
            else if (args.Is(i, "PXAT"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0 && hasNext) { flags |= SetFlags.PxAt; expireArg = args[++i]; }
            else if (args.Is(i, "IFVERSION"u8) && hasNext && ifVersion < 0)
            {
                if (!TryParseLong(args[++i], out ifVersion)) { NotInteger(); return; }
                if (ifVersion < 0) { WriteError("ERR IFVERSION must be a non-negative integer"); return; }
            }
            else if (args.Is(i, "TAG"u8) && hasNext) (tags ??= new List<string>()).Add(args.ToUtf8String(++i));
            else if (args.Is(i, "BY"u8) && hasNext) by = args.ToUtf8String(++i);
            else if (args.Is(i, "COMMENT"u8) && hasNext) comment = args.ToUtf8String(++i);
            else if (args.Is(i, "SCHEMA"u8) && hasNext)
            {
                WriteError($"ERR schema {args.ToUtf8String(++i)} is not registered");
                return;
            }
            else
            {
                SyntaxError();
                return;
            }
        }
        long expiresAt = 0;
        if ((flags & SetFlags.AnyExpire) != 0 && !TryGetStringExpireAt(expireArg, flags, "kvs.set", out expiresAt)) return;

        var db = Database;
        var key = args[1];
        var e = _store.Find(db, key);
        long current = e?.Version ?? 0;
        if (ifVersion >= 0 && ifVersion != current)
        {
            WriteError($"CONFLICT expected version {ifVersion}, key is at version {current}");
            return;
        }
        if (((flags & SetFlags.Nx) != 0 && e != null) || ((flags & SetFlags.Xx) != 0 && e == null))
        {
            _writer.WriteNull();
            return;
        }
        if (by != null) Ctx.ModifiedBy = by;
        Ctx.Comment = comment;
        try
        {
            long ttl = (flags & SetFlags.KeepTtl) != 0 ? -1 : expiresAt;
            if (e == null)
            {
                e = _store.Create(db, key, args[2].ToArray(), KvsType.String, Ctx, Math.Max(0, ttl), tags);
            }
            else
            {
                if (tags != null) _store.ChangeTags(db, e, tags, null, Ctx, recordChange: false);
                _store.ReplaceString(db, e, args[2], Ctx, ttl);
            }
            _writer.WriteInteger(e.Version);
        }
        finally
        {
            Ctx.Comment = null;
        }
    }

    /// <summary>KVS.GET key [VERSION v]</summary>
    [RespCommand("kvs.get")]
    private void NetworkKvsGet(RespArgs args)
    {
        long version = -1;
        if (args.Count == 4 && args.Is(2, "VERSION"u8))
        {
            if (!ParseLongOrReply(args[3], out version)) return;
        }
        else if (args.Count != 2)
        {
            SyntaxError();
            return;
        }
        var e = _store.Read(Database, args[1]);
        if (e == null)
        {
            _writer.WriteNull();
            return;
        }
        if (e.Type != KvsType.String)
        {
            WrongType();
            return;
        }
        if (version < 0)
        {
            _writer.WriteBulk(e.StringValue);
            return;
        }
        if (!_store.Metadata.TryGetVersionValue(e, version, out var value) || value is not byte[] bytes)
        {
            WriteError($"ERR version {version} of this key is not retained");
            return;
        }
        _writer.WriteBulk(bytes);
    }

    /// <summary>KVS.META key → map of metadata fields (nil when the key does not exist).</summary>
    [RespCommand("kvs.meta")]
    private void NetworkKvsMeta(RespArgs args)
    {
        var e = _store.Find(Database, args[1]);
        if (e == null)
        {
            _writer.WriteNull();
            return;
        }
        var tags = e.Extras?.Tags;
        string? schema = e.Extras?.SchemaHash;
        int fields = 8 + (e.ExpiresAt != 0 ? 1 : 0) + (schema != null ? 1 : 0) + (e.ModifiedBy != null ? 1 : 0);
        _writer.WriteMapHeader(fields);
        _writer.WriteBulk("type"u8);
        _writer.WriteBulk(TypeName(e.Type));
        _writer.WriteBulk("version"u8);
        _writer.WriteInteger(e.Version);
        _writer.WriteBulk("revision"u8);
        _writer.WriteInteger(e.Revision);
        _writer.WriteBulk("created_at"u8);
        _writer.WriteInteger(e.CreatedAt);
        _writer.WriteBulk("updated_at"u8);
        _writer.WriteInteger(e.UpdatedAt);
        if (e.ExpiresAt != 0)
        {
            _writer.WriteBulk("expires_at"u8);
            _writer.WriteInteger(e.ExpiresAt);
        }
        _writer.WriteBulk("tags"u8);
        WriteTagSet(tags);
        _writer.WriteBulk("data_hash"u8);
        _writer.WriteBulk(Sha256HashingService.Format(_store.GetDataHash(e)));
        if (schema != null)
        {
            _writer.WriteBulk("schema_hash"u8);
            _writer.WriteBulk(schema);
        }
        if (e.ModifiedBy != null)
        {
            _writer.WriteBulk("modified_by"u8);
            _writer.WriteBulk(e.ModifiedBy);
        }
        _writer.WriteBulk("history_length"u8);
        _writer.WriteInteger(_store.Metadata.HistoryLength(e));
    }

    private void WriteTagSet(HashSet<string>? tags)
    {
        if (tags == null)
        {
            _writer.WriteSetHeader(0);
            return;
        }
        var sorted = new List<string>(tags);
        sorted.Sort(StringComparer.Ordinal);
        _writer.WriteSetHeader(sorted.Count);
        foreach (var t in sorted) _writer.WriteBulk(t);
    }

    /// <summary>The TYPE command's name for a value type.</summary>
    internal static ReadOnlySpan<byte> TypeName(KvsType type) => type switch
    {
        KvsType.String => "string"u8,
        KvsType.List => "list"u8,
        KvsType.Set => "set"u8,
        KvsType.ZSet => "zset"u8,
        KvsType.Hash => "hash"u8,
        _ => "none"u8,
    };

    /// <summary>KVS.HISTORY key [COUNT n] → revisions newest first.</summary>
    [RespCommand("kvs.history")]
    private void NetworkKvsHistory(RespArgs args)
    {
        long count = long.MaxValue;
        if (args.Count == 4 && args.Is(2, "COUNT"u8))
        {
            if (!ParseLongOrReply(args[3], out count)) return;
            if (count < 0)
            {
                WriteError("ERR value is out of range, must be positive");
                return;
            }
        }
        else if (args.Count != 2)
        {
            SyntaxError();
            return;
        }
        var e = _store.Find(Database, args[1]);
        if (e == null)
        {
            _writer.WriteEmptyArray();
            return;
        }
        var history = _store.Metadata.GetHistory(e, (int)Math.Min(count, int.MaxValue));
        _writer.WriteArrayHeader(history.Count);
        foreach (var h in history)
        {
            int fields = 5 + (h.ModifiedBy != null ? 1 : 0) + (h.Comment != null ? 1 : 0);
            _writer.WriteMapHeader(fields);
            _writer.WriteBulk("version"u8);
            _writer.WriteInteger(h.Version);
            _writer.WriteBulk("revision"u8);
            _writer.WriteInteger(h.Revision);
            _writer.WriteBulk("timestamp"u8);
            _writer.WriteInteger(h.Timestamp);
            _writer.WriteBulk("op"u8);
            _writer.WriteBulk(h.Op);
            if (h.ModifiedBy != null)
            {
                _writer.WriteBulk("modified_by"u8);
                _writer.WriteBulk(h.ModifiedBy);
            }
            _writer.WriteBulk("data_hash"u8);
            if (h.Hash != null) _writer.WriteBulk(Sha256HashingService.Format(h.Hash));
            else _writer.WriteNull();
            if (h.Comment != null)
            {
                _writer.WriteBulk("comment"u8);
                _writer.WriteBulk(h.Comment);
            }
        }
    }

    /// <summary>KVS.DEL key [IFVERSION v] → 1 or 0, or -CONFLICT.</summary>
    [RespCommand("kvs.del")]
    private void NetworkKvsDel(RespArgs args)
    {
        long ifVersion = -1;
        if (args.Count == 4 && args.Is(2, "IFVERSION"u8))
        {
            if (!ParseLongOrReply(args[3], out ifVersion)) return;
            if (ifVersion < 0)
            {
                WriteError("ERR IFVERSION must be a non-negative integer");
                return;
            }
        }
        else if (args.Count != 2)
        {
            SyntaxError();
            return;
        }
        var db = Database;
        var e = _store.Find(db, args[1]);
        long current = e?.Version ?? 0;
        if (ifVersion >= 0 && ifVersion != current)
        {
            WriteError($"CONFLICT expected version {ifVersion}, key is at version {current}");
            return;
        }
        if (e == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        _store.Delete(db, e, Ctx);
        _writer.WriteInteger(1);
    }

    /// <summary>KVS.TAG key ADD|REMOVE t [t ...] → the (new) version.</summary>
    [RespCommand("kvs.tag")]
    private void NetworkKvsTag(RespArgs args)
    {
        bool add;
        if (args.Is(2, "ADD"u8)) add = true;
        else if (args.Is(2, "REMOVE"u8)) add = false;
        else
        {
            SyntaxError();
            return;
        }
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            WriteError("ERR no such key");
            return;
        }
        var tags = new List<string>(args.Count - 3);
        for (int i = 3; i < args.Count; i++) tags.Add(args.ToUtf8String(i));
        _store.ChangeTags(db, e, add ? tags : null, add ? null : tags, Ctx);
        _writer.WriteInteger(e.Version);
    }

    /// <summary>KVS.TAGS key → the set of tags (empty when the key does not exist).</summary>
    [RespCommand("kvs.tags")]
    private void NetworkKvsTags(RespArgs args)
    {
        var e = _store.Find(Database, args[1]);
        WriteTagSet(e?.Extras?.Tags);
    }

    /// <summary>
    /// KVS.FIND [TAG t]... [NAMESPACE ns] [CURSOR c] [COUNT n] → [next-cursor, [key ...]].
    /// Walks the smallest tag index (or the all-keys topic index) in topic order from the cursor,
    /// within the namespace's range; the cursor is the hex of the last key examined ("0" = start/end),
    /// so it stays valid whatever is added or removed between calls. Examines at most 10×COUNT
    /// index entries per call, like SCAN.
    /// </summary>
    [RespCommand("kvs.find")]
    private void NetworkKvsFind(RespArgs args)
    {
        List<string>? tags = null;
        string? ns = null;
        byte[]? after = null;
        long count = DefaultFindCount;
        for (int i = 1; i < args.Count; i++)
        {
            bool hasNext = i + 1 < args.Count;
            if (args.Is(i, "TAG"u8) && hasNext) (tags ??= new List<string>()).Add(args.ToUtf8String(++i));
            else if (args.Is(i, "NAMESPACE"u8) && hasNext) ns = args.ToUtf8String(++i);
            else if (args.Is(i, "CURSOR"u8) && hasNext)
            {
                var c = args[++i];
                if (c.Length == 1 && c[0] == (byte)'0') continue;
                try
                {
                    after = Convert.FromHexString(Encoding.ASCII.GetString(c));
                }
                catch (FormatException)
                {
                    WriteError("ERR invalid cursor");
                    return;
                }
            }
            else if (args.Is(i, "COUNT"u8) && hasNext)
            {
                if (!ParseLongOrReply(args[++i], out count)) return;
                if (count < 1)
                {
                    SyntaxError();
                    return;
                }
            }
            else
            {
                SyntaxError();
                return;
            }
        }

        var db = Database;
        Core.Indexing.OrderedKeyIndex? source = db.ByTopic;
        if (tags != null)
        {
            source = null;
            foreach (var t in tags)
            {
                if (!db.ByTag.TryGetValue(t, out var index))
                {
                    source = null;
                    break;
                }
                if (source == null || index.Count < source.Count) source = index;
            }
            if (source == null)
            {
                _writer.WriteArrayHeader(2);
                _writer.WriteBulk("0"u8);
                _writer.WriteEmptyArray();
                return;
            }
        }
        byte[]? prefix = null;
        if (!string.IsNullOrEmpty(ns))
        {
            prefix = _store.Keys.GetTopic(Encoding.UTF8.GetBytes(ns.TrimEnd('/', ':') + "/"));
        }
        var found = new List<byte[]>();
        long budget = Math.Max(100, Math.Min(count, int.MaxValue / 10) * 10);
        byte[]? last = null;
        bool exhausted = true;
        long now = _store.Now;
        var topicOrder = new Core.Indexing.TopicOrder(_store.Keys);
        foreach (var e in source.From(after, after == null ? prefix : null))
        {
            if (prefix != null && !topicOrder.TopicStartsWith(e.Key, prefix))
            {
                if (topicOrder.Compare(e.Key, prefix) > 0) break;
                continue;
            }
            if (found.Count >= count || budget-- <= 0)
            {
                exhausted = false;
                break;
            }
            last = e.Key;
            if (e.ExpiresAt != 0 && e.ExpiresAt <= now) continue;
            if (tags != null && !HasAllTags(e, tags)) continue;
            found.Add(e.Key);
        }
        _writer.WriteArrayHeader(2);
        if (exhausted || last == null) _writer.WriteBulk("0"u8);
        else _writer.WriteBulk(Convert.ToHexStringLower(last));
        _writer.WriteArrayHeader(found.Count);
        foreach (var k in found) _writer.WriteBulk(k);
    }

    private static bool HasAllTags(KvsEntry e, List<string> tags)
    {
        var have = e.Extras?.Tags;
        if (have == null) return false;
        foreach (var t in tags)
            if (!have.Contains(t)) return false;
        return true;
    }

    /// <summary>KVS.PAYLOAD field key [field key ...] → map field → value, read in one snapshot (under the store lock).</summary>
    [RespCommand("kvs.payload")]
    private void NetworkKvsPayload(RespArgs args)
    {
        if ((args.Count - 1) % 2 != 0)
        {
            WrongArgs("kvs.payload");
            return;
        }
        var db = Database;
        for (int i = 2; i < args.Count; i += 2)
        {
            var e = _store.Find(db, args[i]);
            if (e != null && e.Type != KvsType.String)
            {
                WrongType();
                return;
            }
        }
        _writer.WriteMapHeader((args.Count - 1) / 2);
        for (int i = 1; i < args.Count; i += 2)
        {
            _writer.WriteBulk(args[i]);
            var e = _store.Read(db, args[i + 1]);
            if (e == null) _writer.WriteNull();
            else _writer.WriteBulk(e.StringValue);
        }
    }
}
