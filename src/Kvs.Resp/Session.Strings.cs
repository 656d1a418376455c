using System.Buffers.Text;
using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Kvs.Resp.Numerics;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// String commands, following Redis 7.0's t_string.c rule by rule: the order in which arguments
/// are validated, keys looked up and types checked decides which error a client sees, so each
/// handler keeps Redis's order. Reads that Redis does with lookupKeyRead use
/// <see cref="KvsStore.Read"/> (keyspace hits/misses); writes use <see cref="KvsStore.Find"/>.
/// </summary>
public sealed partial class Session
{
    // ------------------------------------------------------------------ GET / SET and their options

    [RespCommand("get")]
    private void NetworkGet(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (e == null) _writer.WriteNull();
        else if (e.Type != KvsType.String) WrongType();
        else _writer.WriteBulk(e.StringValue);
    }

    [Flags]
    private enum SetFlags
    {
        None = 0,
        Nx = 1,
        Xx = 2,
        Get = 4,
        KeepTtl = 8,
        Ex = 16,
        Px = 32,
        ExAt = 64,
        PxAt = 128,
        Persist = 256,
        AnyExpire = Ex | Px | ExAt | PxAt,
    }

    /// <summary>
    /// Redis's parseExtendedStringArgumentsOrReply, shared by SET (options from argument 3) and
    /// GETEX (from argument 2, <paramref name="getEx"/>). Conflicting options are a syntax error,
    /// but repeating one is allowed and the last expire value wins (<c>SET k v EX 1 EX 2</c> is
    /// valid in Redis). <paramref name="expireIndex"/> is the argument holding the expire time,
    /// 0 for none; its value is validated later by <see cref="TryGetStringExpireAt"/>, because GETEX
    /// does that only after finding the key.
    /// </summary>
    private bool ParseExtendedStringOptions(RespArgs args, bool getEx, out SetFlags flags, out int expireIndex)
    {
        flags = SetFlags.None;
        expireIndex = 0;
        bool isSet = !getEx;
        for (int i = getEx ? 2 : 3; i < args.Count; i++)
        {
            bool hasNext = i + 1 < args.Count;
            var ttlKinds = SetFlags.KeepTtl | SetFlags.Persist;
            if (isSet && args.Is(i, "NX"u8) && (flags & SetFlags.Xx) == 0) flags |= SetFlags.Nx;
            else if (isSet && args.Is(i, "XX"u8) && (flags & SetFlags.Nx) == 0) flags |= SetFlags.Xx;
            else if (isSet && args.Is(i, "GET"u8)) flags |= SetFlags.Get;
            else if (isSet && args.Is(i, "KEEPTTL"u8) && (flags & (SetFlags.Persist | SetFlags.AnyExpire)) == 0) flags |= SetFlags.KeepTtl;
            else if (getEx && args.Is(i, "PERSIST"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0) flags |= SetFlags.Persist;
            else if (hasNext && args.Is(i, "EX"u8) && (flags & (ttlKinds | (SetFlags.AnyExpire & ~SetFlags.Ex))) == 0) { flags |= SetFlags.Ex; expireIndex = ++i; }
            else if (hasNext && args.Is(i, "PX"u8) && (flags & (ttlKinds | (SetFlags.AnyExpire & ~SetFlags.Px))) == 0) { flags |= SetFlags.Px; expireIndex = ++i; }
            else if (hasNext && args.Is(i, "EXAT"u8) && (flags & (ttlKinds | (SetFlags.AnyExpire & ~SetFlags.ExAt))) == 0) { flags |= SetFlags.ExAt; expireIndex = ++i; }
            else if (hasNext && args.Is(i, "PXAT"u8) && (flags & (ttlKinds | (SetFlags.AnyExpire & ~SetFlags.PxAt))) == 0) { flags |= SetFlags.PxAt; expireIndex = ++i; }
            else
            {
                SyntaxError();
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Redis's getExpireMillisecondsOrReply: the expire argument as absolute unix ms. Not a
    /// number → "not an integer"; zero, negative, or overflowing once converted to ms or made
    /// absolute → "invalid expire time in '<paramref name="command"/>' command".
    /// </summary>
    private bool TryGetStringExpireAt(ReadOnlySpan<byte> arg, SetFlags flags, string command, out long expiresAt)
    {
        expiresAt = 0;
        if (!TryParseLong(arg, out long n))
        {
            NotInteger();
            return false;
        }
        bool seconds = (flags & (SetFlags.Ex | SetFlags.ExAt)) != 0;
        bool relative = (flags & (SetFlags.Ex | SetFlags.Px)) != 0;
        if (n <= 0 || (seconds && n > long.MaxValue / 1000) || (relative && (seconds ? n * 1000 : n) > long.MaxValue - _store.Now))
        {
            WriteError($"ERR invalid expire time in '{command}' command");
            return false;
        }
        if (seconds) n *= 1000;
        if (relative) n += _store.Now;
        expiresAt = n;
        return true;
    }

    [RespCommand("set")]
    private void NetworkSet(RespArgs args)
    {
        var flags = SetFlags.None;
        long expiresAt = 0;
        if (args.Count > 3)
        {
            if (!ParseExtendedStringOptions(args, getEx: false, out flags, out int expireIndex)) return;
            if (expireIndex != 0 && !TryGetStringExpireAt(args[expireIndex], flags, "set", out expiresAt)) return;
        }
        var db = Database;
        var key = args[1];
        bool get = (flags & SetFlags.Get) != 0;
        // SET ... GET reads the old value first (getGenericCommand: counts as a keyspace hit or miss).
        var e = get ? _store.Read(db, key) : _store.Find(db, key);
        if (get)
        {
            if (e == null) _writer.WriteNull();
            else if (e.Type != KvsType.String)
            {
                WrongType();
                return;
            }
            else _writer.WriteBulk(e.StringValue);
        }
        bool exists = e != null;
        if (((flags & SetFlags.Nx) != 0 && exists) || ((flags & SetFlags.Xx) != 0 && !exists))
        {
            if (!get) _writer.WriteNull();
            return;
        }
        SetStringValue(db, key, e, args[2], (flags & SetFlags.KeepTtl) != 0 ? -1 : expiresAt);
        if (!get) _writer.WriteOk();
    }

    /// <summary>
    /// Stores a string value, creating or overwriting the key. <paramref name="expiresAt"/>: -1 keeps
    /// the TTL, 0 clears it.
    /// </summary>
    internal KvsEntry SetStringValue(Database db, ReadOnlySpan<byte> key, KvsEntry? existing, ReadOnlySpan<byte> value, long expiresAt)
    {
        if (existing == null) return _store.Create(db, key, value.ToArray(), KvsType.String, Ctx, Math.Max(0, expiresAt));
        _store.ReplaceString(db, existing, value, Ctx, expiresAt);
        return existing;
    }

    [RespCommand("setnx")]
    private void NetworkSetNx(RespArgs args)
    {
        var db = Database;
        if (_store.Find(db, args[1]) != null)
        {
            _writer.WriteInteger(0);
            return;
        }
        SetStringValue(db, args[1], null, args[2], 0);
        _writer.WriteInteger(1);
    }

    [RespCommand("setex")]
    private void NetworkSetEx(RespArgs args) => SetWithExpire(args, SetFlags.Ex, "setex");

    [RespCommand("psetex")]
    private void NetworkPSetEx(RespArgs args) => SetWithExpire(args, SetFlags.Px, "psetex");

    /// <summary>SETEX / PSETEX key time value: SET with a relative expire, always replacing.</summary>
    private void SetWithExpire(RespArgs args, SetFlags unit, string command)
    {
        if (!TryGetStringExpireAt(args[2], unit, command, out long expiresAt)) return;
        var db = Database;
        SetStringValue(db, args[1], _store.Find(db, args[1]), args[3], expiresAt);
        _writer.WriteOk();
    }

    // ------------------------------------------------------------------ GET variants

    [RespCommand("getset")]
    private void NetworkGetSet(RespArgs args)
    {
        var db = Database;
        var e = _store.Read(db, args[1]);
        if (e == null) _writer.WriteNull();
        else if (e.Type != KvsType.String)
        {
            WrongType();
            return;
        }
        else _writer.WriteBulk(e.StringValue);
        // GETSET replaces the key as a plain SET does, dropping its TTL.
        SetStringValue(db, args[1], e, args[2], 0);
    }

    [RespCommand("getdel")]
    private void NetworkGetDel(RespArgs args)
    {
        var db = Database;
        var e = _store.Read(db, args[1]);
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
        _writer.WriteBulk(e.StringValue);
        _store.Delete(db, e, Ctx);
    }

    /// <summary>
    /// GETEX key [EX s | PX ms | EXAT t | PXAT t | PERSIST]. Options are checked before the key
    /// is looked up, the expire value only after (a missing key with "EX abc" is nil, as in
    /// Redis). An EXAT/PXAT in the past deletes the key after returning its value.
    /// </summary>
    [RespCommand("getex")]
    private void NetworkGetEx(RespArgs args)
    {
        if (!ParseExtendedStringOptions(args, getEx: true, out var flags, out int expireIndex)) return;
        var db = Database;
        var e = _store.Read(db, args[1]);
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
        long expiresAt = 0;
        if (expireIndex != 0 && !TryGetStringExpireAt(args[expireIndex], flags, "getex", out expiresAt)) return;
        _writer.WriteBulk(e.StringValue);
        if ((flags & (SetFlags.ExAt | SetFlags.PxAt)) != 0 && expiresAt <= _store.Now)
            _store.Delete(db, e, Ctx);
        else if (expireIndex != 0)
            _store.SetExpiry(db, e, expiresAt, Ctx);
        else if ((flags & SetFlags.Persist) != 0 && e.HasExpiry)
            _store.SetExpiry(db, e, 0, Ctx);
    }

    // ------------------------------------------------------------------ multi-key

    /// <summary>MGET: a nil for every missing key and every key that is not a string (never WRONGTYPE).</summary>
    [RespCommand("mget")]
    private void NetworkMGet(RespArgs args)
    {
        var db = Database;
        _writer.WriteArrayHeader(args.Count - 1);
        for (int i = 1; i < args.Count; i++)
        {
            var e = _store.Read(db, args[i]);
            if (e == null || e.Type != KvsType.String) _writer.WriteNull();
            else _writer.WriteBulk(e.StringValue);
        }
    }

    [RespCommand("mset")]
    private void NetworkMSet(RespArgs args) => StringMSet(args, nx: false);

    [RespCommand("msetnx")]
    private void NetworkMSetNx(RespArgs args) => StringMSet(args, nx: true);

    /// <summary>
    /// MSET / MSETNX: an even number of arguments after the name is an arity error; MSETNX sets
    /// nothing when any key exists. Each pair is one change (a key given twice changes twice),
    /// and each replaced key loses its TTL.
    /// </summary>
    private void StringMSet(RespArgs args, bool nx)
    {
        if (args.Count % 2 == 0)
        {
            WrongArgs(nx ? "msetnx" : "mset");
            return;
        }
        var db = Database;
        if (nx)
        {
            for (int i = 1; i < args.Count; i += 2)
            {
                if (_store.Find(db, args[i]) != null)
                {
                    _writer.WriteInteger(0);
                    return;
                }
            }
        }
        for (int i = 1; i < args.Count; i += 2)
            SetStringValue(db, args[i], _store.Find(db, args[i]), args[i + 1], 0);
        if (nx) _writer.WriteInteger(1);
        else _writer.WriteOk();
    }

    // ------------------------------------------------------------------ editing in place

    /// <summary>
    /// Redis's checkStringLength: a string may not grow beyond proto-max-bulk-len (nor, here,
    /// beyond what one .NET array holds).
    /// </summary>
    private bool CheckStringLength(long size, long append)
    {
        long limit = Math.Min(_config.ProtoMaxBulkLen, Array.MaxLength);
        if (size > limit - append)
        {
            WriteError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
            return false;
        }
        return true;
    }

    /// <summary>APPEND: creates the key like SET when missing; an appended string is "raw" for OBJECT ENCODING.</summary>
    [RespCommand("append")]
    private void NetworkAppend(RespArgs args)
    {
        var db = Database;
        var value = args[2];
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            _store.Create(db, args[1], value.ToArray(), KvsType.String, Ctx);
            _writer.WriteInteger(value.Length);
            return;
        }
        if (e.Type != KvsType.String)
        {
            WrongType();
            return;
        }
        int oldLength = e.StringValue.Length;
        if (!CheckStringLength(oldLength, value.Length)) return;
        var buffer = _store.BeginStringEdit(db, e, oldLength + value.Length, Ctx);
        value.CopyTo(buffer.AsSpan(oldLength));
        e.Flags |= EntryFlags.RawString;
        _store.CompleteUpdate(db, e, Ctx);
        _writer.WriteInteger(buffer.Length);
    }

    /// <summary>
    /// SETRANGE key offset value: zero-pads up to the offset. An empty value changes nothing and
    /// replies the current length (0 for a missing key, which is not created).
    /// </summary>
    [RespCommand("setrange")]
    private void NetworkSetRange(RespArgs args)
    {
        if (!ParseLongOrReply(args[2], out long offset)) return;
        if (offset < 0)
        {
            WriteError("ERR offset is out of range");
            return;
        }
        var db = Database;
        var value = args[3];
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            if (value.IsEmpty)
            {
                _writer.WriteInteger(0);
                return;
            }
            if (!CheckStringLength(offset, value.Length)) return;
            var fresh = new byte[offset + value.Length];
            value.CopyTo(fresh.AsSpan((int)offset));
            var created = _store.Create(db, args[1], fresh, KvsType.String, Ctx);
            created.Flags = EntryFlags.RawString;
            _writer.WriteInteger(fresh.Length);
            return;
        }
        if (e.Type != KvsType.String)
        {
            WrongType();
            return;
        }
        int oldLength = e.StringValue.Length;
        if (value.IsEmpty)
        {
            _writer.WriteInteger(oldLength);
            return;
        }
        if (!CheckStringLength(offset, value.Length)) return;
        int newLength = (int)Math.Max(oldLength, offset + value.Length);
        var buffer = _store.BeginStringEdit(db, e, newLength, Ctx);
        value.CopyTo(buffer.AsSpan((int)offset));
        e.Flags |= EntryFlags.RawString;
        _store.CompleteUpdate(db, e, Ctx);
        _writer.WriteInteger(newLength);
    }

    // ------------------------------------------------------------------ reading parts

    [RespCommand("strlen")]
    private void NetworkStrlen(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (e == null) _writer.WriteInteger(0);
        else if (e.Type != KvsType.String) WrongType();
        else _writer.WriteInteger(e.StringValue.Length);
    }

    [RespCommand("getrange")]
    private void NetworkGetRange(RespArgs args) => StringGetRange(args);

    [RespCommand("substr")]
    private void NetworkSubstr(RespArgs args) => StringGetRange(args);

    /// <summary>
    /// GETRANGE / SUBSTR with Redis 7.0's index rules, quirks included: negative indexes count
    /// from the end and are clamped to 0 afterwards, so <c>GETRANGE k 0 -100</c> on "hello" is
    /// "h"; both negative with start &gt; end is empty.
    /// </summary>
    private void StringGetRange(RespArgs args)
    {
        if (!ParseLongOrReply(args[2], out long start)) return;
        if (!ParseLongOrReply(args[3], out long end)) return;
        var e = _store.Read(Database, args[1]);
        if (e == null)
        {
            _writer.WriteBulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        if (e.Type != KvsType.String)
        {
            WrongType();
            return;
        }
        var s = e.StringValue;
        long length = s.Length;
        if (start < 0 && end < 0 && start > end)
        {
            _writer.WriteBulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= length) end = length - 1;
        if (start > end || length == 0)
        {
            _writer.WriteBulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        _writer.WriteBulk(s.AsSpan((int)start, (int)(end - start + 1)));
    }

    // ------------------------------------------------------------------ counters

    [RespCommand("incr")]
    private void NetworkIncr(RespArgs args) => StringIncrementBy(args[1], 1);

    [RespCommand("decr")]
    private void NetworkDecr(RespArgs args) => StringIncrementBy(args[1], -1);

    [RespCommand("incrby")]
    private void NetworkIncrBy(RespArgs args)
    {
        if (!ParseLongOrReply(args[2], out long increment)) return;
        StringIncrementBy(args[1], increment);
    }

    [RespCommand("decrby")]
    private void NetworkDecrBy(RespArgs args)
    {
        if (!ParseLongOrReply(args[2], out long decrement)) return;
        if (decrement == long.MinValue)
        {
            WriteError("ERR decrement would overflow");
            return;
        }
        StringIncrementBy(args[1], -decrement);
    }

    /// <summary>
    /// Redis's incrDecrCommand. The new digits are written into the existing value array when
    /// the width does not change (<see cref="KvsStore.BeginStringEdit"/>), so a counter costs no
    /// allocation per INCR; the result is a plain (not "raw") string, as Redis re-encodes it as int.
    /// </summary>
    private void StringIncrementBy(ReadOnlySpan<byte> key, long increment)
    {
        var db = Database;
        var e = _store.Find(db, key);
        long current = 0;
        if (e != null)
        {
            if (e.Type != KvsType.String)
            {
                WrongType();
                return;
            }
            if (!TryParseLong(e.StringValue, out current))
            {
                NotInteger();
                return;
            }
        }
        if ((increment < 0 && current < 0 && increment < long.MinValue - current) ||
            (increment > 0 && current > 0 && increment > long.MaxValue - current))
        {
            WriteError("ERR increment or decrement would overflow");
            return;
        }
        long value = current + increment;
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int length);
        digits = digits.Slice(0, length);
        if (e == null)
        {
            _store.Create(db, key, digits.ToArray(), KvsType.String, Ctx);
        }
        else
        {
            var buffer = _store.BeginStringEdit(db, e, length, Ctx);
            digits.CopyTo(buffer);
            e.Flags = EntryFlags.None;
            _store.CompleteUpdate(db, e, Ctx);
        }
        _writer.WriteInteger(value);
    }

    /// <summary>
    /// INCRBYFLOAT in x87 extended precision with Redis's "%.17Lf, trailing zeros trimmed"
    /// formatting (see <see cref="LongDouble"/>). The stored value is the reply's text and the
    /// key keeps its TTL (Redis propagates it as SET ... KEEPTTL).
    /// </summary>
    [RespCommand("incrbyfloat")]
    private void NetworkIncrByFloat(RespArgs args)
    {
        var db = Database;
        var e = _store.Find(db, args[1]);
        var current = LongDouble.Zero;
        if (e != null)
        {
            if (e.Type != KvsType.String)
            {
                WrongType();
                return;
            }
            if (!LongDouble.TryParse(e.StringValue, out current))
            {
                NotFloat();
                return;
            }
        }
        if (!LongDouble.TryParse(args[2], out var increment))
        {
            NotFloat();
            return;
        }
        if (!LongDouble.TryAdd(current, increment, out var sum))
        {
            WriteError("ERR increment would produce NaN or Infinity");
            return;
        }
        var text = sum.ToHumanString();
        if (e == null) _store.Create(db, args[1], text, KvsType.String, Ctx);
        else _store.ReplaceString(db, e, text, Ctx, -1);
        _writer.WriteBulk(text);
    }

    // ------------------------------------------------------------------ LCS

    /// <summary>Above this many DP cells (4 bytes each) LCS refuses, as Redis does when its table allocation fails.</summary>
    private const long MaxLcsCells = 1L << 28;

    private readonly record struct LcsMatch(int AStart, int AEnd, int BStart, int BEnd);

    /// <summary>
    /// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN], Redis's dynamic programme and
    /// backtrack (matches are reported from the end of the strings backwards). Missing keys are
    /// empty strings; any non-string key is Redis's own error, not WRONGTYPE. LEN alone needs
    /// only two table rows, so it never runs out of memory.
    /// </summary>
    [RespCommand("lcs")]
    private void NetworkLcs(RespArgs args)
    {
        var db = Database;
        var ea = _store.Read(db, args[1]);
        var eb = _store.Read(db, args[2]);
        if ((ea != null && ea.Type != KvsType.String) || (eb != null && eb.Type != KvsType.String))
        {
            WriteError("ERR The specified keys must contain string values");
            return;
        }
        bool getLength = false, getIndexes = false, withMatchLength = false;
        long minMatchLength = 0;
        for (int i = 3; i < args.Count; i++)
        {
            bool hasNext = i + 1 < args.Count;
            if (args.Is(i, "IDX"u8)) getIndexes = true;
            else if (args.Is(i, "LEN"u8)) getLength = true;
            else if (args.Is(i, "WITHMATCHLEN"u8)) withMatchLength = true;
            else if (hasNext && args.Is(i, "MINMATCHLEN"u8))
            {
                if (!ParseLongOrReply(args[++i], out minMatchLength)) return;
                if (minMatchLength < 0) minMatchLength = 0;
            }
            else
            {
                SyntaxError();
                return;
            }
        }
        if (getIndexes && getLength)
        {
            WriteError("ERR If you want both the length and indexes, please just use IDX.");
            return;
        }
        byte[] a = ea?.StringValue ?? Array.Empty<byte>();
        byte[] b = eb?.StringValue ?? Array.Empty<byte>();
        if (getLength)
        {
            _writer.WriteInteger(LcsLength(a, b));
            return;
        }
        long cells = (long)(a.Length + 1) * (b.Length + 1);
        if (cells > MaxLcsCells)
        {
            WriteError("ERR Insufficient memory, failed allocating transient memory for LCS");
            return;
        }
        int width = b.Length + 1;
        var table = GC.AllocateUninitializedArray<uint>((int)cells);
        FillLcsTable(a, b, table);
        uint total = table[(long)a.Length * width + b.Length];
        var lcs = new byte[total];
        List<LcsMatch>? matches = getIndexes ? new List<LcsMatch>() : null;

        int ia = a.Length, ib = b.Length;
        int remaining = (int)total;
        int aStart = a.Length, aEnd = 0, bStart = 0, bEnd = 0; // aStart == a.Length: no range open
        while (ia > 0 && ib > 0)
        {
            bool emit = false;
            if (a[ia - 1] == b[ib - 1])
            {
                lcs[remaining - 1] = a[ia - 1];
                if (aStart == a.Length)
                {
                    aStart = aEnd = ia - 1;
                    bStart = bEnd = ib - 1;
                }
                else if (aStart == ia && bStart == ib)
                {
                    aStart--;
                    bStart--;
                }
                else
                {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) emit = true;
                remaining--;
                ia--;
                ib--;
            }
            else
            {
                uint up = table[(long)(ia - 1) * width + ib];
                uint left = table[(long)ia * width + ib - 1];
                if (up > left) ia--;
                else ib--;
                if (aStart != a.Length) emit = true;
            }
            if (emit)
            {
                long matchLength = aEnd - aStart + 1;
                if (matches != null && (minMatchLength == 0 || matchLength >= minMatchLength))
                    matches.Add(new LcsMatch(aStart, aEnd, bStart, bEnd));
                aStart = a.Length;
            }
        }

        if (matches == null)
        {
            _writer.WriteBulk(lcs);
            return;
        }
        _writer.WriteMapHeader(2);
        _writer.WriteBulk("matches"u8);
        _writer.WriteArrayHeader(matches.Count);
        foreach (var m in matches)
        {
            _writer.WriteArrayHeader(withMatchLength ? 3 : 2);
            _writer.WriteArrayHeader(2);
            _writer.WriteInteger(m.AStart);
            _writer.WriteInteger(m.AEnd);
            _writer.WriteArrayHeader(2);
            _writer.WriteInteger(m.BStart);
            _writer.WriteInteger(m.BEnd);
            if (withMatchLength) _writer.WriteInteger(m.AEnd - m.AStart + 1);
        }
        _writer.WriteBulk("len"u8);
        _writer.WriteInteger(total);
    }

    /// <summary>The LCS table: cell (i, j) at i × (|b|+1) + j is the LCS length of a[..i] and b[..j].</summary>
    private static void FillLcsTable(byte[] a, byte[] b, uint[] table)
    {
        int width = b.Length + 1;
        table.AsSpan(0, width).Clear();
        for (int i = 1; i <= a.Length; i++)
        {
            var previous = table.AsSpan((i - 1) * width, width);
            var row = table.AsSpan(i * width, width);
            row[0] = 0;
            byte ai = a[i - 1];
            for (int j = 1; j < width; j++)
            {
                if (ai == b[j - 1]) row[j] = previous[j - 1] + 1;
                else row[j] = Math.Max(previous[j], row[j - 1]);
            }
        }
    }

    /// <summary>The LCS length alone, with two rows of the table.</summary>
    private static long LcsLength(byte[] a, byte[] b)
    {
        int width = b.Length + 1;
        var previous = new uint[width];
        var row = new uint[width];
        for (int i = 1; i <= a.Length; i++)
        {
            byte ai = a[i - 1];
            for (int j = 1; j < width; j++)
            {
                if (ai == b[j - 1]) row[j] = previous[j - 1] + 1;
                else row[j] = Math.Max(previous[j], row[j - 1]);
            }
            (previous, row) = (row, previous);
        }
        return previous[b.Length];
    }
}
