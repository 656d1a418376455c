using Kvs.Core.Storage;
using Kvs.Core.Types;
using Kvs.Resp.Commands;
using Kvs.Resp.Numerics;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// Hash commands (Redis 7.0's t_hash.c semantics, error texts and order of checks).
/// <para>
/// Metadata rule shared with the set family: a command bumps the key's version exactly when Redis
/// would signal the key as modified — every HSET/HMSET/HINCRBY* (an explicit assignment, like SET
/// with the same value), HSETNX only when it sets, HDEL only when it removes something. A hash
/// emptied by HDEL is deleted, as Redis never keeps empty collections.
/// </para>
/// </summary>
public sealed partial class Session
{
    /// <summary>
    /// Upper bound on the elements of one HRANDFIELD/SRANDMEMBER reply with a negative count.
    /// Redis would try to build any size and run out of memory; Kvs refuses with "value is out of
    /// range" instead (docs/hashes-sets-hll-sort.md).
    /// </summary>
    internal const long MaxRandomReplyCount = 1L << 24;

    /// <summary>Looks up a key for a read: false (after WRONGTYPE) when it is not a hash; <paramref name="hash"/> null when absent.</summary>
    private bool ReadHash(ReadOnlySpan<byte> key, out RedisHash? hash)
    {
        hash = null;
        var e = _store.Read(Database, key);
        if (e == null) return true;
        if (e.Type != KvsType.Hash)
        {
            WrongType();
            return false;
        }
        hash = (RedisHash)e.Value;
        return true;
    }

    /// <summary>Looks up a key for a write: false (after WRONGTYPE) when it is not a hash.</summary>
    private bool FindHashForWrite(ReadOnlySpan<byte> key, out KvsEntry? entry)
    {
        entry = _store.Find(Database, key);
        if (entry == null || entry.Type == KvsType.Hash) return true;
        WrongType();
        return false;
    }

    /// <summary>Starts a write to an existing hash, or makes a new one that <see cref="FinishHashWrite"/> stores.</summary>
    private RedisHash BeginHashWrite(KvsEntry? entry)
    {
        if (entry == null) return new RedisHash();
        _store.BeginUpdate(Database, entry, Ctx);
        return (RedisHash)entry.Value;
    }

    private void FinishHashWrite(KvsEntry? entry, ReadOnlySpan<byte> key, RedisHash hash)
    {
        if (entry == null) _store.Create(Database, key, hash, KvsType.Hash, Ctx);
        else if (hash.Count == 0) _store.Delete(Database, entry, Ctx);
        else _store.CompleteUpdate(Database, entry, Ctx);
    }

    [RespCommand("hset")]
    private void NetworkHSet(RespArgs args) => HashSetFields(args, "hset", replyOk: false);

    [RespCommand("hmset")]
    private void NetworkHMSet(RespArgs args) => HashSetFields(args, "hmset", replyOk: true);

    private void HashSetFields(RespArgs args, string command, bool replyOk)
    {
        if ((args.Count & 1) != 0)
        {
            WrongArgs(command);
            return;
        }
        if (!FindHashForWrite(args[1], out var entry)) return;
        var hash = BeginHashWrite(entry);
        long added = 0;
        long maxEntries = _config.HashMaxListpackEntries, maxValue = _config.HashMaxListpackValue;
        for (int i = 2; i < args.Count; i += 2)
            if (hash.Set(args[i], args[i + 1], maxEntries, maxValue)) added++;
        FinishHashWrite(entry, args[1], hash);
        if (replyOk) _writer.WriteOk();
        else _writer.WriteInteger(added);
    }

    [RespCommand("hsetnx")]
    private void NetworkHSetNx(RespArgs args)
    {
        if (!FindHashForWrite(args[1], out var entry)) return;
        if (entry != null && ((RedisHash)entry.Value).IndexOf(args[2]) >= 0)
        {
            _writer.WriteInteger(0);
            return;
        }
        var hash = BeginHashWrite(entry);
        hash.Set(args[2], args[3], _config.HashMaxListpackEntries, _config.HashMaxListpackValue);
        FinishHashWrite(entry, args[1], hash);
        _writer.WriteInteger(1);
    }

    [RespCommand("hget")]
    private void NetworkHGet(RespArgs args)
    {
        if (!ReadHash(args[1], out var hash)) return;
        var value = hash?.Get(args[2]);
        if (value == null) _writer.WriteNull();
        else _writer.WriteBulk(value);
    }

    [RespCommand("hmget")]
    private void NetworkHMGet(RespArgs args)
    {
        if (!ReadHash(args[1], out var hash)) return;
        _writer.WriteArrayHeader(args.Count - 2);
        for (int i = 2; i < args.Count; i++)
        {
            var value = hash?.Get(args[i]);
            if (value == null) _writer.WriteNull();
            else _writer.WriteBulk(value);
        }
    }

    [RespCommand("hdel")]
    private void NetworkHDel(RespArgs args)
    {
        if (!FindHashForWrite(args[1], out var entry)) return;
        if (entry == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        var hash = (RedisHash)entry.Value;
        int first = 2;
        while (first < args.Count && hash.IndexOf(args[first]) < 0) first++;
        if (first == args.Count)
        {
            _writer.WriteInteger(0);
            return;
        }
        _store.BeginUpdate(Database, entry, Ctx);
        long deleted = 0;
        for (int i = first; i < args.Count && hash.Count > 0; i++)
            if (hash.Remove(args[i])) deleted++;
        FinishHashWrite(entry, args[1], hash);
        _writer.WriteInteger(deleted);
    }

    [RespCommand("hexists")]
    private void NetworkHExists(RespArgs args)
    {
        if (!ReadHash(args[1], out var hash)) return;
        _writer.WriteInteger(hash != null && hash.IndexOf(args[2]) >= 0 ? 1 : 0);
    }

    [RespCommand("hlen")]
    private void NetworkHLen(RespArgs args)
    {
        if (!ReadHash(args[1], out var hash)) return;
        _writer.WriteInteger(hash?.Count ?? 0);
    }

    [RespCommand("hstrlen")]
    private void NetworkHStrLen(RespArgs args)
    {
        if (!ReadHash(args[1], out var hash)) return;
        _writer.WriteInteger(hash?.Get(args[2])?.Length ?? 0);
    }

    [RespCommand("hkeys")]
    private void NetworkHKeys(RespArgs args) => WriteHashContents(args, fields: true, values: false);

    [RespCommand("hvals")]
    private void NetworkHVals(RespArgs args) => WriteHashContents(args, fields: false, values: true);

    [RespCommand("hgetall")]
    private void NetworkHGetAll(RespArgs args) => WriteHashContents(args, fields: true, values: true);

    /// <summary>HKEYS/HVALS are arrays; HGETALL is a map (a flat array under RESP2).</summary>
    private void WriteHashContents(RespArgs args, bool fields, bool values)
    {
        if (!ReadHash(args[1], out var hash)) return;
        int count = hash?.Count ?? 0;
        if (fields && values) _writer.WriteMapHeader(count);
        else _writer.WriteArrayHeader(count);
        for (int i = 0; i < count; i++)
        {
            if (fields) _writer.WriteBulk(hash!.FieldAt(i));
            if (values) _writer.WriteBulk(hash!.ValueAt(i));
        }
    }

    /// <summary>
    /// HINCRBY: the increment is checked first, then the key's type, then the current value
    /// (string2ll, else "hash value is not an integer"), then overflow.
    /// </summary>
    [RespCommand("hincrby")]
    private void NetworkHIncrBy(RespArgs args)
    {
        if (!ParseLongOrReply(args[3], out long increment)) return;
        if (!FindHashForWrite(args[1], out var entry)) return;
        var existing = entry == null ? null : (RedisHash)entry.Value;
        int index = existing?.IndexOf(args[2]) ?? -1;
        long current = 0;
        if (index >= 0 && !TryParseLong(existing!.ValueAt(index), out current))
        {
            WriteError("ERR hash value is not an integer");
            return;
        }
        if ((increment < 0 && current < 0 && increment < long.MinValue - current) ||
            (increment > 0 && current > 0 && increment > long.MaxValue - current))
        {
            WriteError("ERR increment or decrement would overflow");
            return;
        }
        long result = current + increment;
        var text = FormatLong(result);
        StoreHashField(entry, args[1], args[2], index, text);
        _writer.WriteInteger(result);
    }

    /// <summary>
    /// HINCRBYFLOAT in x87 extended precision with "%.17Lf, trailing zeros trimmed" formatting,
    /// like Redis (see <see cref="LongDouble"/>). Checks: increment parse, NaN/infinite increment,
    /// key type, current value ("hash value is not a float"), infinite result.
    /// </summary>
    [RespCommand("hincrbyfloat")]
    private void NetworkHIncrByFloat(RespArgs args)
    {
        if (!LongDouble.TryParse(args[3], out var increment))
        {
            NotFloat();
            return;
        }
        if (increment.IsInfinity)
        {
            WriteError("ERR value is NaN or Infinity");
            return;
        }
        if (!FindHashForWrite(args[1], out var entry)) return;
        var existing = entry == null ? null : (RedisHash)entry.Value;
        int index = existing?.IndexOf(args[2]) ?? -1;
        var current = LongDouble.Zero;
        if (index >= 0 && !LongDouble.TryParse(existing!.ValueAt(index), out current))
        {
            WriteError("ERR hash value is not a float");
            return;
        }
        if (!LongDouble.TryAdd(current, increment, out var sum))
        {
            WriteError("ERR increment would produce NaN or Infinity");
            return;
        }
        var text = sum.ToHumanString();
        StoreHashField(entry, args[1], args[2], index, text);
        _writer.WriteBulk(text);
    }

    /// <summary>Stores a computed value (HINCRBY*) into a field found at <paramref name="index"/> (-1: new field).</summary>
    private void StoreHashField(KvsEntry? entry, ReadOnlySpan<byte> key, ReadOnlySpan<byte> field, int index, byte[] value)
    {
        var hash = BeginHashWrite(entry);
        if (index >= 0) hash.SetValueAt(index, value, _config.HashMaxListpackValue);
        else hash.Set(field, value, _config.HashMaxListpackEntries, _config.HashMaxListpackValue);
        FinishHashWrite(entry, key, hash);
    }

    /// <summary>
    /// HRANDFIELD key [count [WITHVALUES]]: a positive count gives distinct fields (the whole hash,
    /// in its order, when count ≥ size), a negative one allows repeats. With WITHVALUES, RESP3
    /// replies an array of [field, value] pairs, RESP2 a flat array.
    /// </summary>
    [RespCommand("hrandfield")]
    private void NetworkHRandField(RespArgs args)
    {
        if (args.Count == 2)
        {
            if (!ReadHash(args[1], out var single)) return;
            if (single == null) _writer.WriteNull();
            else _writer.WriteBulk(single.FieldAt(single.Table.RandomIndex(Random.Shared)));
            return;
        }
        if (!ParseLongOrReply(args[2], out long requested)) return;
        if (requested == long.MinValue)
        {
            WriteError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
            return;
        }
        bool withValues = false;
        if (args.Count > 4 || (args.Count == 4 && !args.Is(3, "WITHVALUES"u8)))
        {
            SyntaxError();
            return;
        }
        if (args.Count == 4)
        {
            withValues = true;
            if (requested < -long.MaxValue / 2 || requested > long.MaxValue / 2)
            {
                WriteError("ERR value is out of range");
                return;
            }
        }
        if (!ReadHash(args[1], out var hash)) return;
        if (hash == null || requested == 0)
        {
            _writer.WriteEmptyArray();
            return;
        }
        if (requested < -MaxRandomReplyCount)
        {
            WriteError("ERR value is out of range");
            return;
        }
        int size = hash.Count;
        bool pairs = withValues && _writer.IsResp3;
        if (requested < 0 || requested == 1)
        {
            long count = Math.Abs(requested);
            _writer.WriteArrayHeader((int)(withValues && !pairs ? count * 2 : count));
            for (long n = 0; n < count; n++) WriteHashRandomEntry(hash, hash.Table.RandomIndex(Random.Shared), withValues, pairs);
            return;
        }
        if (requested >= size)
        {
            _writer.WriteArrayHeader(withValues && !pairs ? size * 2 : size);
            for (int i = 0; i < size; i++) WriteHashRandomEntry(hash, i, withValues, pairs);
            return;
        }
        var picks = PickDistinctIndices(size, (int)requested);
        _writer.WriteArrayHeader(withValues && !pairs ? picks.Count * 2 : picks.Count);
        foreach (int i in picks) WriteHashRandomEntry(hash, i, withValues, pairs);
    }

    private void WriteHashRandomEntry(RedisHash hash, int index, bool withValues, bool pairs)
    {
        if (pairs) _writer.WriteArrayHeader(2);
        _writer.WriteBulk(hash.FieldAt(index));
        if (withValues) _writer.WriteBulk(hash.ValueAt(index));
    }

    /// <summary>
    /// <paramref name="count"/> distinct random indices below <paramref name="size"/> (count &lt; size),
    /// in random order: a partial Fisher–Yates shuffle when count is a large part of the size,
    /// else rejection sampling (Redis's CASE 3 / CASE 4 split).
    /// </summary>
    internal static List<int> PickDistinctIndices(int size, int count)
    {
        var result = new List<int>(count);
        var random = Random.Shared;
        if ((long)count * 3 > size)
        {
            var all = new int[size];
            for (int i = 0; i < size; i++) all[i] = i;
            for (int i = 0; i < count; i++)
            {
                int j = random.Next(i, size);
                (all[i], all[j]) = (all[j], all[i]);
                result.Add(all[i]);
            }
            return result;
        }
        var seen = new HashSet<int>(count);
        while (result.Count < count)
        {
            int i = random.Next(size);
            if (seen.Add(i)) result.Add(i);
        }
        return result;
    }

    // ------------------------------------------------------------------ HSCAN (and the scan helpers SSCAN shares)

    /// <summary>Reused index list for HSCAN/SSCAN, so a scan loop allocates nothing per call.</summary>
    private List<int>? _indexScratch;

    private List<int> RentIndexList()
    {
        var list = _indexScratch ?? new List<int>();
        _indexScratch = null;
        return list;
    }

    private void ReturnIndexList(List<int> list)
    {
        list.Clear();
        if (list.Capacity <= 4096) _indexScratch = list;
    }

    /// <summary>
    /// The options of HSCAN/SSCAN after the cursor: COUNT n (≥ 1) and MATCH pattern, repeated in
    /// any order (the last wins); anything else, TYPE included, is a syntax error.
    /// </summary>
    private bool ParseCollectionScanOptions(RespArgs args, int first, out long count, out bool usePattern)
    {
        count = 10;
        usePattern = false;
        for (int i = first; i < args.Count; i += 2)
        {
            int remaining = args.Count - i;
            if (args.Is(i, "COUNT"u8) && remaining >= 2)
            {
                if (!ParseLongOrReply(args[i + 1], out count)) return false;
                if (count < 1)
                {
                    SyntaxError();
                    return false;
                }
            }
            else if (args.Is(i, "MATCH"u8) && remaining >= 2)
            {
                var p = args[i + 1];
                usePattern = !(p.Length == 1 && p[0] == '*');
            }
            else
            {
                SyntaxError();
                return false;
            }
        }
        return true;
    }

    /// <summary>The last MATCH pattern among the options (valid when a pattern is in use).</summary>
    private static ReadOnlySpan<byte> ScanPattern(RespArgs args, int first)
    {
        ReadOnlySpan<byte> pattern = default;
        for (int i = first; i + 1 < args.Count; i += 2)
            if (args.Is(i, "MATCH"u8)) pattern = args[i + 1];
        return pattern;
    }

    /// <summary>
    /// Walks a hashtable-encoded collection like Redis's scanGenericCommand: buckets until
    /// <paramref name="count"/> elements were gathered (a hash's field and value count as two) or
    /// 10×count buckets were visited.
    /// </summary>
    private static ulong ScanTable(ByteTable table, ulong cursor, long count, int weight, List<int> into)
    {
        if (table.Count == 0) return 0;
        long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
        do cursor = table.ScanBucket(cursor, into);
        while (cursor != 0 && maxIterations-- != 0 && (long)into.Count * weight < count);
        return cursor;
    }

    private void WriteScanCursor(ulong cursor)
    {
        _writer.WriteArrayHeader(2);
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(cursor, digits, out int n);
        _writer.WriteBulk(digits.Slice(0, n));
    }

    private static readonly byte[] EmptyScanReply = "*2\r\n$1\r\n0\r\n*0\r\n"u8.ToArray();

    /// <summary>
    /// HSCAN key cursor [MATCH p] [COUNT n]. Checks in Redis's order: cursor, key type, options. A
    /// listpack hash is returned whole with cursor 0 (as Redis does); a hashtable is walked by the
    /// reverse-binary bucket cursor.
    /// </summary>
    [RespCommand("hscan")]
    private void NetworkHScan(RespArgs args)
    {
        if (!TryParseScanCursor(args[2], out ulong cursor))
        {
            WriteError("ERR invalid cursor");
            return;
        }
        if (!ReadHash(args[1], out var hash)) return;
        if (hash == null)
        {
            _writer.WriteRaw(EmptyScanReply);
            return;
        }
        if (!ParseCollectionScanOptions(args, 3, out long count, out bool usePattern)) return;
        var pattern = usePattern ? ScanPattern(args, 3) : default;
        var list = RentIndexList();
        if (hash.IsListpack)
        {
            for (int i = 0; i < hash.Count; i++) list.Add(i);
            cursor = 0;
        }
        else
        {
            cursor = ScanTable(hash.Table, cursor, count, 2, list);
        }
        int kept = 0;
        for (int j = 0; j < list.Count; j++)
        {
            if (usePattern && !GlobMatcher.IsMatch(pattern, hash.FieldAt(list[j]))) continue;
            list[kept++] = list[j];
        }
        WriteScanCursor(cursor);
        _writer.WriteArrayHeader(kept * 2);
        for (int j = 0; j < kept; j++)
        {
            _writer.WriteBulk(hash.FieldAt(list[j]));
            _writer.WriteBulk(hash.ValueAt(list[j]));
        }
        ReturnIndexList(list);
    }
}
