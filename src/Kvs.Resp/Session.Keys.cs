using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// Keyspace commands: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, COPY, MOVE, KEYS, SCAN,
/// RANDOMKEY, TOUCH, OBJECT, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB — Redis 7.0's db.c and object.c
/// semantics, including the order in which errors are detected.
/// </summary>
public sealed partial class Session
{
    /// <summary>Redis's shared.sameobjecterr.</summary>
    private const string SameObjectError = "ERR source and destination objects are the same";

    /// <summary>
    /// Reused list for KEYS and SCAN results, so a scan loop allocates nothing per call. Dropped
    /// after a large result so one big KEYS does not pin its memory for the connection's lifetime.
    /// </summary>
    private List<KvsEntry>? _keyScratch;

    private List<KvsEntry> RentKeyList() => _keyScratch ?? new List<KvsEntry>();

    private void ReturnKeyList(List<KvsEntry> list)
    {
        list.Clear();
        _keyScratch = list.Capacity <= 4096 ? list : null;
    }

    // ------------------------------------------------------------------ DEL, UNLINK, EXISTS, TOUCH, TYPE

    [RespCommand("del")]
    [RespCommand("unlink")]
    private void NetworkDel(RespArgs args)
    {
        var db = Database;
        long deleted = 0;
        for (int i = 1; i < args.Count; i++)
            if (_store.Delete(db, args[i], Ctx)) deleted++;
        _writer.WriteInteger(deleted);
    }

    /// <summary>EXISTS counts a key once per time it is named (EXISTS k k → 2), as Redis does.</summary>
    [RespCommand("exists")]
    private void NetworkExists(RespArgs args)
    {
        var db = Database;
        long found = 0;
        for (int i = 1; i < args.Count; i++)
            if (_store.ReadNoTouch(db, args[i]) != null) found++;
        _writer.WriteInteger(found);
    }

    [RespCommand("touch")]
    private void NetworkTouch(RespArgs args)
    {
        var db = Database;
        long found = 0;
        for (int i = 1; i < args.Count; i++)
            if (_store.Read(db, args[i]) != null) found++;
        _writer.WriteInteger(found);
    }

    [RespCommand("type")]
    private void NetworkType(RespArgs args)
    {
        var e = _store.ReadNoTouch(Database, args[1]);
        _writer.WriteSimpleString(e == null ? "none"u8 : TypeName(e.Type));
    }

    // ------------------------------------------------------------------ RENAME, RENAMENX, COPY, MOVE

    [RespCommand("rename")]
    private void NetworkRename(RespArgs args) => RenameKey(args, onlyIfNew: false);

    [RespCommand("renamenx")]
    private void NetworkRenameNx(RespArgs args) => RenameKey(args, onlyIfNew: true);

    /// <summary>
    /// Redis's renameGenericCommand: a missing source is an error even when both names are equal;
    /// renaming a key to itself changes nothing (OK, or 0 for RENAMENX); an existing destination
    /// is overwritten (RENAME) or left alone (RENAMENX → 0). The TTL moves with the value.
    /// </summary>
    private void RenameKey(RespArgs args, bool onlyIfNew)
    {
        var db = Database;
        var from = args[1];
        var to = args[2];
        var e = _store.Find(db, from);
        if (e == null)
        {
            WriteError("ERR no such key");
            return;
        }
        if (from.SequenceEqual(to))
        {
            if (onlyIfNew) _writer.WriteInteger(0);
            else _writer.WriteOk();
            return;
        }
        var existing = _store.Find(db, to);
        if (existing != null)
        {
            if (onlyIfNew)
            {
                _writer.WriteInteger(0);
                return;
            }
            _store.Delete(db, existing, Ctx);
        }
        _store.Rename(db, e, db, to, Ctx);
        if (onlyIfNew) _writer.WriteInteger(1);
        else _writer.WriteOk();
    }

    /// <summary>
    /// Parses a database number the way COPY's DB option and MOVE do (getIntFromObjectOrReply,
    /// then selectDb): not an integer, outside a C int, or not an existing database are three
    /// different errors.
    /// </summary>
    private bool ParseDatabaseIndexOrReply(ReadOnlySpan<byte> arg, out Database db)
    {
        db = Database;
        if (!TryParseLong(arg, out long index))
        {
            NotInteger();
            return false;
        }
        if (index < int.MinValue || index > int.MaxValue)
        {
            WriteError("ERR value is out of range, value must between -2147483648 and 2147483647");
            return false;
        }
        if (index < 0 || index >= _store.DatabaseCount)
        {
            WriteError("ERR DB index is out of range");
            return false;
        }
        db = _store.GetDatabase((int)index);
        return true;
    }

    /// <summary>COPY source destination [DB n] [REPLACE]: a deep copy with the source's TTL.</summary>
    [RespCommand("copy")]
    private void NetworkCopy(RespArgs args)
    {
        var fromDb = Database;
        var toDb = fromDb;
        bool replace = false;
        for (int i = 3; i < args.Count; i++)
        {
            int additional = args.Count - i - 1;
            if (args.Is(i, "REPLACE"u8))
            {
                replace = true;
            }
            else if (args.Is(i, "DB"u8) && additional >= 1)
            {
                if (!ParseDatabaseIndexOrReply(args[i + 1], out toDb)) return;
                i++;
            }
            else
            {
                SyntaxError();
                return;
            }
        }
        var from = args[1];
        var to = args[2];
        if (toDb == fromDb && from.SequenceEqual(to))
        {
            WriteError(SameObjectError);
            return;
        }
        var source = _store.Read(fromDb, from);
        if (source == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        var existing = _store.Find(toDb, to);
        if (existing != null && !replace)
        {
            _writer.WriteInteger(0);
            return;
        }
        _store.Copy(source, toDb, to, existing, Ctx);
        _writer.WriteInteger(1);
    }

    /// <summary>MOVE key db: only when the key exists here and not there; the TTL and metadata move with it.</summary>
    [RespCommand("move")]
    private void NetworkMove(RespArgs args)
    {
        var fromDb = Database;
        if (!ParseDatabaseIndexOrReply(args[2], out var toDb)) return;
        if (toDb == fromDb)
        {
            WriteError(SameObjectError);
            return;
        }
        var key = args[1];
        var e = _store.Find(fromDb, key);
        if (e == null || _store.Find(toDb, key) != null)
        {
            _writer.WriteInteger(0);
            return;
        }
        _store.Rename(fromDb, e, toDb, key, Ctx);
        _writer.WriteInteger(1);
    }

    // ------------------------------------------------------------------ KEYS, SCAN, RANDOMKEY

    /// <summary>
    /// KEYS pattern: every key that matches, in table order. Keys whose TTL has passed are left out
    /// but not removed here (Redis's keysCommand only checks keyIsExpired).
    /// </summary>
    [RespCommand("keys")]
    private void NetworkKeys(RespArgs args)
    {
        var db = Database;
        var pattern = args[1];
        bool allKeys = pattern.Length == 1 && pattern[0] == '*';
        var list = RentKeyList();
        foreach (var e in db.Keys.Entries())
        {
            if (!allKeys && !GlobMatcher.IsMatch(pattern, e.Key)) continue;
            if (_store.IsExpired(e)) continue;
            list.Add(e);
        }
        _writer.WriteArrayHeader(list.Count);
        foreach (var e in list) _writer.WriteBulk(e.Key);
        ReturnKeyList(list);
    }

    /// <summary>
    /// SCAN cursor [MATCH pattern] [COUNT n] [TYPE type], as Redis's scanGenericCommand: visit
    /// buckets until COUNT keys were collected or COUNT*10 buckets were visited, then filter by
    /// pattern, type and expiry (expired keys found this way are removed). COUNT bounds the work,
    /// not the reply size. An unknown TYPE simply matches nothing, as in Redis 7.0.
    /// </summary>
    [RespCommand("scan")]
    private void NetworkScan(RespArgs args)
    {
        if (!TryParseScanCursor(args[1], out ulong cursor))
        {
            WriteError("ERR invalid cursor");
            return;
        }
        long count = 10;
        ReadOnlySpan<byte> pattern = default;
        bool usePattern = false;
        ReadOnlySpan<byte> typeName = default;
        bool useType = false;
        int i = 2;
        while (i < args.Count)
        {
            int remaining = args.Count - i;
            if (args.Is(i, "COUNT"u8) && remaining >= 2)
            {
                if (!ParseLongOrReply(args[i + 1], out count)) return;
                if (count < 1)
                {
                    SyntaxError();
                    return;
                }
                i += 2;
            }
            else if (args.Is(i, "MATCH"u8) && remaining >= 2)
            {
                pattern = args[i + 1];
                usePattern = !(pattern.Length == 1 && pattern[0] == '*');
                i += 2;
            }
            else if (args.Is(i, "TYPE"u8) && remaining >= 2)
            {
                typeName = args[i + 1];
                useType = true;
                i += 2;
            }
            else
            {
                SyntaxError();
                return;
            }
        }

        var db = Database;
        var table = db.Keys;
        var list = RentKeyList();
        if (table.Count == 0)
        {
            cursor = 0;
        }
        else
        {
            long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
            do cursor = table.ScanBucket(cursor, list);
            while (cursor != 0 && maxIterations-- != 0 && list.Count < count);
        }

        int kept = 0;
        for (int j = 0; j < list.Count; j++)
        {
            var e = list[j];
            if (usePattern && !GlobMatcher.IsMatch(pattern, e.Key)) continue;
            if (_store.IsExpired(e))
            {
                _store.Expire(db, e);
                continue;
            }
            if (useType && !EqualsIgnoreAsciiCase(typeName, TypeName(e.Type))) continue;
            list[kept++] = e;
        }

        _writer.WriteArrayHeader(2);
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(cursor, digits, out int n);
        _writer.WriteBulk(digits.Slice(0, n));
        _writer.WriteArrayHeader(kept);
        for (int j = 0; j < kept; j++) _writer.WriteBulk(list[j].Key);
        ReturnKeyList(list);
    }

    /// <summary>
    /// Redis's parseScanCursorOrReply: C's strtoul in base 10 after refusing a leading space. So an
    /// optional sign is allowed ("-1" wraps to 2^64-1), overflow is refused, the empty string is
    /// cursor 0, and parsing stops at a NUL byte as it does on a C string.
    /// </summary>
    internal static bool TryParseScanCursor(ReadOnlySpan<byte> s, out ulong cursor)
    {
        cursor = 0;
        if (s.Length > 0 && IsSpaceByte(s[0])) return false;
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }
        int firstDigit = i;
        ulong value = 0;
        bool overflow = false;
        for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
        {
            uint digit = (uint)(s[i] - '0');
            if (value > (ulong.MaxValue - digit) / 10) overflow = true;
            else value = value * 10 + digit;
        }
        if (i == firstDigit)
        {
            // No digits: strtoul's end pointer is the start of the string, valid only if that is its end.
            return s.Length == 0 || s[0] == 0;
        }
        if (i < s.Length && s[i] != 0) return false;
        if (overflow) return false;
        cursor = negative ? unchecked(0UL - value) : value;
        return true;
    }

    /// <summary>strcasecmp of an argument with a lower-case ASCII name.</summary>
    private static bool EqualsIgnoreAsciiCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lower)
    {
        if (value.Length != lower.Length) return false;
        for (int i = 0; i < value.Length; i++)
        {
            int c = value[i];
            if ((uint)(c - 'A') <= 'Z' - 'A') c += 32;
            if (c != lower[i]) return false;
        }
        return true;
    }

    [RespCommand("randomkey")]
    private void NetworkRandomKey(RespArgs args)
    {
        var e = _store.RandomKey(Database);
        if (e == null) _writer.WriteNull();
        else _writer.WriteBulk(e.Key);
    }

    // ------------------------------------------------------------------ OBJECT

    /// <summary>Redis's OBJ_SHARED_REFCOUNT: what OBJECT REFCOUNT says about a shared integer.</summary>
    private const long SharedRefCount = int.MaxValue;

    /// <summary>Redis's OBJ_SHARED_INTEGERS: integers below this are shared objects.</summary>
    private const long SharedIntegers = 10000;

    /// <summary>Redis's LFU_INIT_VAL: the access-frequency counter of a new key.</summary>
    private const long LfuInitialValue = 5;

    private bool LfuPolicy => _config.MaxMemoryPolicy.EndsWith("-lfu", StringComparison.Ordinal);

    [RespCommand("object|encoding")]
    private void NetworkObjectEncoding(RespArgs args)
    {
        var e = _store.ReadNoTouch(Database, args[2]);
        if (e == null) _writer.WriteNull();
        else _writer.WriteBulk(EncodingName(e));
    }

    /// <summary>
    /// OBJECT ENCODING's name for a value. Strings follow Redis's tryObjectEncoding: "int" for a
    /// canonical 64-bit integer of at most 20 characters, "embstr" up to 44 bytes, else "raw";
    /// a string changed in place (APPEND, SETRANGE, SETBIT) is always "raw". Each collection type
    /// adds its own case when it is implemented.
    /// </summary>
    private static ReadOnlySpan<byte> EncodingName(KvsEntry e)
    {
        switch (e.Type)
        {
            case KvsType.String:
                if ((e.Flags & EntryFlags.RawString) != 0) return "raw"u8;
                var s = e.StringValue;
                if (s.Length <= 20 && TryParseLong(s, out _)) return "int"u8;
                return s.Length <= 44 ? "embstr"u8 : "raw"u8;
            case KvsType.List:
                // Redis 7.0 stores every list as a quicklist (of listpack nodes); the "listpack"
                // list encoding for small lists only arrived in 7.2.
                return "quicklist"u8;
            case KvsType.Hash:
                return ((Kvs.Core.Types.RedisHash)e.Value).IsListpack ? "listpack"u8 : "hashtable"u8;
            case KvsType.Set:
                return ((Kvs.Core.Types.RedisSet)e.Value).IsIntSet ? "intset"u8 : "hashtable"u8;
            case KvsType.ZSet:
                return ((Kvs.Core.Types.RedisSortedSet)e.Value).IsListpack ? "listpack"u8 : "skiplist"u8;
            default:
                throw new NotSupportedException($"OBJECT ENCODING of type {e.Type} is not implemented (add its case to Session.EncodingName).");
        }
    }

    /// <summary>
    /// OBJECT REFCOUNT: always 1 except for the integers 0..9999, which Redis stores as shared
    /// objects (reported as INT_MAX) unless maxmemory is set with an LRU or LFU policy.
    /// </summary>
    [RespCommand("object|refcount")]
    private void NetworkObjectRefCount(RespArgs args)
    {
        var e = _store.ReadNoTouch(Database, args[2]);
        if (e == null)
        {
            _writer.WriteNull();
            return;
        }
        bool sharingAllowed = _config.MaxMemory == 0 ||
            !(_config.MaxMemoryPolicy.EndsWith("-lru", StringComparison.Ordinal) || LfuPolicy);
        bool shared = sharingAllowed && e.Type == KvsType.String && (e.Flags & EntryFlags.RawString) == 0 &&
            e.StringValue.Length <= 20 && TryParseLong(e.StringValue, out long n) && n >= 0 && n < SharedIntegers;
        _writer.WriteInteger(shared ? SharedRefCount : 1);
    }

    [RespCommand("object|idletime")]
    private void NetworkObjectIdleTime(RespArgs args)
    {
        var e = _store.ReadNoTouch(Database, args[2]);
        if (e == null)
        {
            _writer.WriteNull();
            return;
        }
        if (LfuPolicy)
        {
            WriteError("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        _writer.WriteInteger(_store.IdleSeconds(e));
    }

    /// <summary>
    /// OBJECT FREQ. Kvs keeps no per-key LFU counter, so under an LFU policy it reports the
    /// counter Redis gives a new key (5) decayed by one per idle minute (lfu-decay-time 1), which
    /// is what an untouched key would show.
    /// </summary>
    [RespCommand("object|freq")]
    private void NetworkObjectFreq(RespArgs args)
    {
        var e = _store.ReadNoTouch(Database, args[2]);
        if (e == null)
        {
            _writer.WriteNull();
            return;
        }
        if (!LfuPolicy)
        {
            WriteError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        _writer.WriteInteger(Math.Max(0, LfuInitialValue - _store.IdleSeconds(e) / 60));
    }

    private static readonly string[] ObjectHelp =
    [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];

    [RespCommand("object|help")]
    private void NetworkObjectHelp(RespArgs args)
    {
        _writer.WriteArrayHeader(ObjectHelp.Length);
        foreach (var line in ObjectHelp) _writer.WriteSimpleString(line);
    }

    // ------------------------------------------------------------------ DBSIZE, FLUSHDB, FLUSHALL, SWAPDB

    /// <summary>DBSIZE counts keys whose TTL passed but that nobody removed yet, as Redis does.</summary>
    [RespCommand("dbsize")]
    private void NetworkDbSize(RespArgs args) => _writer.WriteInteger(Database.Count);

    /// <summary>
    /// FLUSHDB/FLUSHALL [SYNC|ASYNC] (Redis's getFlushCommandFlags: one optional argument). Both
    /// modes free synchronously: dropping the table is O(1) here and the GC reclaims it later.
    /// </summary>
    private bool ParseFlushMode(RespArgs args)
    {
        if (args.Count == 1 || (args.Count == 2 && (args.Is(1, "SYNC"u8) || args.Is(1, "ASYNC"u8)))) return true;
        SyntaxError();
        return false;
    }

    [RespCommand("flushdb")]
    private void NetworkFlushDb(RespArgs args)
    {
        if (!ParseFlushMode(args)) return;
        _store.FlushDatabase(Database, Ctx);
        _writer.WriteOk();
    }

    [RespCommand("flushall")]
    private void NetworkFlushAll(RespArgs args)
    {
        if (!ParseFlushMode(args)) return;
        _store.FlushAll(Ctx);
        _writer.WriteOk();
    }

    /// <summary>SWAPDB a b: each index is checked as a C int (with its own error) before the range.</summary>
    [RespCommand("swapdb")]
    private void NetworkSwapDb(RespArgs args)
    {
        if (!TryParseLong(args[1], out long first) || first < int.MinValue || first > int.MaxValue)
        {
            WriteError("ERR invalid first DB index");
            return;
        }
        if (!TryParseLong(args[2], out long second) || second < int.MinValue || second > int.MaxValue)
        {
            WriteError("ERR invalid second DB index");
            return;
        }
        int count = _store.DatabaseCount;
        if (first < 0 || first >= count || second < 0 || second >= count)
        {
            WriteError("ERR DB index is out of range");
            return;
        }
        if (first != second) _store.SwapDatabases((int)first, (int)second, Ctx);
        _writer.WriteOk();
    }
}
