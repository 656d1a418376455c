using Kvs.Core.Storage;
using Kvs.Core.Types;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// List commands (Redis 7.0 t_list.c): pushes, pops, ranges, LINSERT/LREM/LTRIM/LSET/LPOS, the
/// moves and multi-pops, and their blocking forms (see Session.Blocking.cs for the blocking
/// contract).
/// <para>
/// Rules followed: write commands look keys up without touching keyspace hit/miss statistics
/// (lookupKeyWrite), read commands count them; argument errors are reported in Redis's order
/// (some commands parse numbers before the key lookup, others after); a list that becomes empty
/// is deleted; a command that changes nothing (LPUSHX on a missing key, LREM without a match,
/// LTRIM keeping everything, LINSERT without the pivot) leaves the key and its version alone.
/// Every change goes through the store: BeginUpdate, mutation, then CompleteUpdate or Delete.
/// </para>
/// </summary>
public sealed partial class Session
{
    // ------------------------------------------------------------------ helpers

    /// <summary>Finishes an in-place change of a list: deletes the key when it became empty.</summary>
    private void CompleteListChange(Database db, KvsEntry e, RedisList list)
    {
        if (list.Count == 0) _store.Delete(db, e, Ctx);
        else _store.CompleteUpdate(db, e, Ctx);
    }

    /// <summary>Redis's getListPositionFromObjectOrReply: LEFT or RIGHT, else a syntax error.</summary>
    private bool ParseListSide(RespArgs args, int index, out bool left)
    {
        left = args.Is(index, "LEFT"u8);
        if (left || args.Is(index, "RIGHT"u8)) return true;
        SyntaxError();
        return false;
    }

    /// <summary>Turns Redis's start/end (negative from the tail) into a clamped range; false when it is empty.</summary>
    private static bool NormalizeRange(long start, long end, int length, out int first, out int last)
    {
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        first = last = 0;
        if (start > end || start >= length) return false;
        if (end >= length) end = length - 1;
        first = (int)start;
        last = (int)end;
        return true;
    }

    // ------------------------------------------------------------------ push

    [RespCommand("lpush")]
    private void NetworkLPush(RespArgs args) => Push(args, left: true, onlyIfExists: false);

    [RespCommand("rpush")]
    private void NetworkRPush(RespArgs args) => Push(args, left: false, onlyIfExists: false);

    [RespCommand("lpushx")]
    private void NetworkLPushX(RespArgs args) => Push(args, left: true, onlyIfExists: true);

    [RespCommand("rpushx")]
    private void NetworkRPushX(RespArgs args) => Push(args, left: false, onlyIfExists: true);

    private void Push(RespArgs args, bool left, bool onlyIfExists)
    {
        var db = Database;
        var key = args[1];
        var e = _store.Find(db, key);
        if (e == null)
        {
            if (onlyIfExists)
            {
                _writer.WriteInteger(0);
                return;
            }
            var created = new RedisList(args.Count - 2);
            for (int i = 2; i < args.Count; i++)
            {
                if (left) created.PushLeft(args.ToArray(i));
                else created.PushRight(args.ToArray(i));
            }
            _store.Create(db, key, created, KvsType.List, Ctx);
            _writer.WriteInteger(created.Count);
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        var list = (RedisList)e.Value;
        _store.BeginUpdate(db, e, Ctx);
        for (int i = 2; i < args.Count; i++)
        {
            if (left) list.PushLeft(args.ToArray(i));
            else list.PushRight(args.ToArray(i));
        }
        _store.CompleteUpdate(db, e, Ctx);
        _writer.WriteInteger(list.Count);
    }

    // ------------------------------------------------------------------ pop

    [RespCommand("lpop")]
    private void NetworkLPop(RespArgs args) => Pop(args, left: true);

    [RespCommand("rpop")]
    private void NetworkRPop(RespArgs args) => Pop(args, left: false);

    /// <summary>
    /// LPOP/RPOP key [count]: without count a bulk (null if missing); with count an array of up to
    /// count elements in pop order, a null array if the key is missing, an empty array for 0.
    /// </summary>
    private void Pop(RespArgs args, bool left)
    {
        if (args.Count > 3)
        {
            WrongArgs(left ? "lpop" : "rpop");
            return;
        }
        bool hasCount = args.Count == 3;
        long count = 0;
        if (hasCount && (!TryParseLong(args[2], out count) || count < 0))
        {
            WriteError("ERR value is out of range, must be positive");
            return;
        }
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            if (hasCount) _writer.WriteNullArray();
            else _writer.WriteNull();
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        if (hasCount && count == 0)
        {
            _writer.WriteEmptyArray();
            return;
        }
        var list = (RedisList)e.Value;
        _store.BeginUpdate(db, e, Ctx);
        if (!hasCount)
        {
            _writer.WriteBulk(left ? list.PopLeft() : list.PopRight());
        }
        else
        {
            int n = (int)Math.Min(count, list.Count);
            _writer.WriteArrayHeader(n);
            for (int i = 0; i < n; i++) _writer.WriteBulk(left ? list.PopLeft() : list.PopRight());
        }
        CompleteListChange(db, e, list);
    }

    // ------------------------------------------------------------------ reads

    [RespCommand("llen")]
    private void NetworkLLen(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (e == null) _writer.WriteInteger(0);
        else if (e.Type != KvsType.List) WrongType();
        else _writer.WriteInteger(((RedisList)e.Value).Count);
    }

    [RespCommand("lrange")]
    private void NetworkLRange(RespArgs args)
    {
        if (!ParseLongOrReply(args[2], out long start) || !ParseLongOrReply(args[3], out long end)) return;
        var e = _store.Read(Database, args[1]);
        if (e == null)
        {
            _writer.WriteEmptyArray();
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        var list = (RedisList)e.Value;
        if (!NormalizeRange(start, end, list.Count, out int first, out int last))
        {
            _writer.WriteEmptyArray();
            return;
        }
        _writer.WriteArrayHeader(last - first + 1);
        for (int i = first; i <= last; i++) _writer.WriteBulk(list[i]);
    }

    [RespCommand("lindex")]
    private void NetworkLIndex(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (e == null)
        {
            _writer.WriteNull();
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        if (!ParseLongOrReply(args[2], out long index)) return;
        var list = (RedisList)e.Value;
        if (index < 0) index += list.Count;
        if (index < 0 || index >= list.Count) _writer.WriteNull();
        else _writer.WriteBulk(list[(int)index]);
    }

    /// <summary>
    /// LPOS key element [RANK rank] [COUNT num] [MAXLEN len]. A negative rank searches from the
    /// tail; RANK LONG_MIN stays negative after Redis's negation and so matches from the first hit.
    /// </summary>
    [RespCommand("lpos")]
    private void NetworkLPos(RespArgs args)
    {
        long rank = 1, count = -1, maxLength = 0;
        for (int j = 3; j < args.Count; j++)
        {
            bool more = j + 1 < args.Count;
            if (args.Is(j, "RANK"u8) && more)
            {
                if (!ParseLongOrReply(args[++j], out rank)) return;
                if (rank == 0)
                {
                    WriteError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
                    return;
                }
            }
            else if (args.Is(j, "COUNT"u8) && more)
            {
                if (!TryParseLong(args[++j], out count) || count < 0)
                {
                    WriteError("ERR COUNT can't be negative");
                    return;
                }
            }
            else if (args.Is(j, "MAXLEN"u8) && more)
            {
                if (!TryParseLong(args[++j], out maxLength) || maxLength < 0)
                {
                    WriteError("ERR MAXLEN can't be negative");
                    return;
                }
            }
            else
            {
                SyntaxError();
                return;
            }
        }
        bool fromTail = false;
        if (rank < 0)
        {
            rank = unchecked(-rank);
            fromTail = true;
        }
        var e = _store.Read(Database, args[1]);
        if (e == null)
        {
            if (count != -1) _writer.WriteEmptyArray();
            else _writer.WriteNull();
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        var list = (RedisList)e.Value;
        var element = args[2];
        int length = list.Count;
        long matches = 0;
        if (count == -1)
        {
            for (int index = 0; index < length && (maxLength == 0 || index < maxLength); index++)
            {
                int position = fromTail ? length - index - 1 : index;
                if (!list[position].AsSpan().SequenceEqual(element)) continue;
                if (++matches >= rank)
                {
                    _writer.WriteInteger(position);
                    return;
                }
            }
            _writer.WriteNull();
            return;
        }
        // COUNT: the number of hits is known only at the end; collect positions first.
        var found = new List<int>();
        for (int index = 0; index < length && (maxLength == 0 || index < maxLength); index++)
        {
            int position = fromTail ? length - index - 1 : index;
            if (!list[position].AsSpan().SequenceEqual(element)) continue;
            if (++matches >= rank)
            {
                found.Add(position);
                if (count != 0 && matches - rank + 1 >= count) break;
            }
        }
        _writer.WriteArrayHeader(found.Count);
        foreach (int position in found) _writer.WriteInteger(position);
    }

    // ------------------------------------------------------------------ in-place changes

    [RespCommand("lset")]
    private void NetworkLSet(RespArgs args)
    {
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            WriteError("ERR no such key");
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        if (!ParseLongOrReply(args[2], out long index)) return;
        var list = (RedisList)e.Value;
        if (index < 0) index += list.Count;
        if (index < 0 || index >= list.Count)
        {
            WriteError("ERR index out of range");
            return;
        }
        _store.BeginUpdate(db, e, Ctx);
        list[(int)index] = args.ToArray(3);
        _store.CompleteUpdate(db, e, Ctx);
        _writer.WriteOk();
    }

    /// <summary>LINSERT key BEFORE|AFTER pivot element: the new length, 0 for a missing key, -1 without the pivot.</summary>
    [RespCommand("linsert")]
    private void NetworkLInsert(RespArgs args)
    {
        bool after = args.Is(2, "AFTER"u8);
        if (!after && !args.Is(2, "BEFORE"u8))
        {
            SyntaxError();
            return;
        }
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        var list = (RedisList)e.Value;
        int pivot = list.IndexOf(args[3]);
        if (pivot < 0)
        {
            _writer.WriteInteger(-1);
            return;
        }
        _store.BeginUpdate(db, e, Ctx);
        list.Insert(after ? pivot + 1 : pivot, args.ToArray(4));
        _store.CompleteUpdate(db, e, Ctx);
        _writer.WriteInteger(list.Count);
    }

    /// <summary>LREM key count element: count &gt; 0 from the head, &lt; 0 from the tail, 0 all.</summary>
    [RespCommand("lrem")]
    private void NetworkLRem(RespArgs args)
    {
        if (!ParseLongOrReply(args[2], out long count)) return;
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        var list = (RedisList)e.Value;
        var element = args[3];
        if (list.IndexOf(element) < 0)
        {
            _writer.WriteInteger(0);
            return;
        }
        bool fromTail = count < 0;
        // Redis negates with C's wrap-around: LONG_MIN stays negative and never equals the removed
        // count, so it removes every match.
        long limit = fromTail ? unchecked(-count) : count;
        if (limit < 0) limit = 0;
        _store.BeginUpdate(db, e, Ctx);
        int removed = list.RemoveMatches(element, limit, fromTail);
        CompleteListChange(db, e, list);
        _writer.WriteInteger(removed);
    }

    [RespCommand("ltrim")]
    private void NetworkLTrim(RespArgs args)
    {
        if (!ParseLongOrReply(args[2], out long start) || !ParseLongOrReply(args[3], out long end)) return;
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            _writer.WriteOk();
            return;
        }
        if (e.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        var list = (RedisList)e.Value;
        int length = list.Count;
        int removeHead, removeTail;
        if (!NormalizeRange(start, end, length, out int first, out int last))
        {
            removeHead = length;
            removeTail = 0;
        }
        else
        {
            removeHead = first;
            removeTail = length - last - 1;
        }
        if (removeHead + removeTail > 0)
        {
            _store.BeginUpdate(db, e, Ctx);
            list.RemoveRange(list.Count - removeTail, removeTail);
            list.RemoveRange(0, removeHead);
            CompleteListChange(db, e, list);
        }
        _writer.WriteOk();
    }

    // ------------------------------------------------------------------ moves

    [RespCommand("lmove")]
    private void NetworkLMove(RespArgs args)
    {
        if (!ParseListSide(args, 3, out bool fromLeft) || !ParseListSide(args, 4, out bool toLeft)) return;
        Move(args[1], args[2], fromLeft, toLeft);
    }

    [RespCommand("rpoplpush")]
    private void NetworkRPopLPush(RespArgs args) => Move(args[1], args[2], fromLeft: false, toLeft: true);

    /// <summary>
    /// LMOVE's core (lmoveGenericCommand): null if the source is missing, WRONGTYPE if either key
    /// holds another type (the destination is checked only when the source has data), else pops,
    /// pushes (creating the destination) and replies the element. The same key rotates in place
    /// as one change.
    /// </summary>
    private void Move(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, bool fromLeft, bool toLeft)
    {
        var db = Database;
        var se = _store.Find(db, source);
        if (se == null)
        {
            _writer.WriteNull();
            return;
        }
        if (se.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        var de = _store.Find(db, destination);
        if (de != null && de.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        var sourceList = (RedisList)se.Value;
        byte[] value;
        if (de == se)
        {
            _store.BeginUpdate(db, se, Ctx);
            value = fromLeft ? sourceList.PopLeft() : sourceList.PopRight();
            if (toLeft) sourceList.PushLeft(value);
            else sourceList.PushRight(value);
            _store.CompleteUpdate(db, se, Ctx);
            _writer.WriteBulk(value);
            return;
        }
        _store.BeginUpdate(db, se, Ctx);
        value = fromLeft ? sourceList.PopLeft() : sourceList.PopRight();
        if (de == null)
        {
            var created = new RedisList();
            created.PushLeft(value);
            _store.Create(db, destination, created, KvsType.List, Ctx);
        }
        else
        {
            var destinationList = (RedisList)de.Value;
            _store.BeginUpdate(db, de, Ctx);
            if (toLeft) destinationList.PushLeft(value);
            else destinationList.PushRight(value);
            _store.CompleteUpdate(db, de, Ctx);
        }
        CompleteListChange(db, se, sourceList);
        _writer.WriteBulk(value);
    }

    // ------------------------------------------------------------------ multi-pop

    [RespCommand("lmpop")]
    private void NetworkLMPop(RespArgs args)
    {
        if (!ParseMultiPop(args, 1, out int numKeys, out bool left, out long count)) return;
        if (!TryMultiPop(args, 2, numKeys, left, count, out bool failed) && !failed) _writer.WriteNullArray();
    }

    /// <summary>
    /// LMPOP/BLMPOP's numkeys, side and COUNT (lmpopGenericCommand), in Redis's order and with its
    /// messages. <paramref name="count"/> defaults to 1.
    /// </summary>
    private bool ParseMultiPop(RespArgs args, int numKeysIndex, out int numKeys, out bool left, out long count)
    {
        numKeys = 0;
        left = false;
        count = -1;
        if (!TryParseLong(args[numKeysIndex], out long n) || n < 1)
        {
            WriteError("ERR numkeys should be greater than 0");
            return false;
        }
        if (n >= args.Count - numKeysIndex - 1)
        {
            SyntaxError();
            return false;
        }
        numKeys = (int)n;
        int sideIndex = numKeysIndex + numKeys + 1;
        if (!ParseListSide(args, sideIndex, out left)) return false;
        for (int j = sideIndex + 1; j < args.Count; j++)
        {
            if (count == -1 && args.Is(j, "COUNT"u8) && j + 1 < args.Count)
            {
                if (!TryParseLong(args[++j], out count) || count < 1)
                {
                    WriteError("ERR count should be greater than 0");
                    return false;
                }
            }
            else
            {
                SyntaxError();
                return false;
            }
        }
        if (count == -1) count = 1;
        return true;
    }

    /// <summary>
    /// Pops up to <paramref name="count"/> elements from the first non-empty list among the keys
    /// and replies [key, [elements]]. Returns false when nothing was popped; <paramref name="failed"/>
    /// says an error (WRONGTYPE) was already replied.
    /// </summary>
    private bool TryMultiPop(RespArgs args, int firstKey, int numKeys, bool left, long count, out bool failed)
    {
        failed = false;
        var db = Database;
        for (int j = firstKey; j < firstKey + numKeys; j++)
        {
            var key = args[j];
            if (!MayServeFrom(key)) continue;
            var e = _store.Find(db, key);
            if (e == null) continue;
            if (e.Type != KvsType.List)
            {
                WrongType();
                failed = true;
                return false;
            }
            var list = (RedisList)e.Value;
            int n = (int)Math.Min(count, list.Count);
            _store.BeginUpdate(db, e, Ctx);
            _writer.WriteArrayHeader(2);
            _writer.WriteBulk(key);
            _writer.WriteArrayHeader(n);
            for (int i = 0; i < n; i++) _writer.WriteBulk(left ? list.PopLeft() : list.PopRight());
            CompleteListChange(db, e, list);
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ blocking forms

    [RespCommand("blpop")]
    private void NetworkBLPop(RespArgs args) => BlockingPop(args, left: true);

    [RespCommand("brpop")]
    private void NetworkBRPop(RespArgs args) => BlockingPop(args, left: false);

    /// <summary>
    /// BLPOP/BRPOP key [key ...] timeout: pops from the first non-empty list and replies
    /// [key, element]; otherwise blocks (or, when blocking is denied, replies a null array).
    /// </summary>
    private void BlockingPop(RespArgs args, bool left)
    {
        if (!ParseBlockingTimeout(args[args.Count - 1], out long deadline)) return;
        var db = Database;
        for (int j = 1; j < args.Count - 1; j++)
        {
            var key = args[j];
            if (!MayServeFrom(key)) continue;
            var e = _store.Find(db, key);
            if (e == null) continue;
            if (e.Type != KvsType.List)
            {
                WrongType();
                return;
            }
            var list = (RedisList)e.Value;
            _store.BeginUpdate(db, e, Ctx);
            _writer.WriteArrayHeader(2);
            _writer.WriteBulk(key);
            _writer.WriteBulk(left ? list.PopLeft() : list.PopRight());
            CompleteListChange(db, e, list);
            return;
        }
        if (!CanBlock)
        {
            _writer.WriteNullArray();
            return;
        }
        Block(args, 1, args.Count - 2, KvsType.List, deadline);
    }

    [RespCommand("blmove")]
    private void NetworkBLMove(RespArgs args)
    {
        if (!ParseListSide(args, 3, out bool fromLeft) || !ParseListSide(args, 4, out bool toLeft)) return;
        if (!ParseBlockingTimeout(args[5], out long deadline)) return;
        BlockingMove(args, fromLeft, toLeft, deadline);
    }

    [RespCommand("brpoplpush")]
    private void NetworkBRPopLPush(RespArgs args)
    {
        if (!ParseBlockingTimeout(args[3], out long deadline)) return;
        BlockingMove(args, fromLeft: false, toLeft: true, deadline);
    }

    /// <summary>
    /// blmoveGenericCommand: a missing source blocks (a plain null when blocking is denied: Redis
    /// replies a null bulk here, not a null array); otherwise it is LMOVE. When served, a
    /// destination of the wrong type gets the client a WRONGTYPE error and pops nothing.
    /// </summary>
    private void BlockingMove(RespArgs args, bool fromLeft, bool toLeft, long deadline)
    {
        var se = _store.Find(Database, args[1]);
        if (se != null && se.Type != KvsType.List)
        {
            WrongType();
            return;
        }
        if (se == null)
        {
            if (!CanBlock)
            {
                _writer.WriteNull();
                return;
            }
            Block(args, 1, 1, KvsType.List, deadline);
            return;
        }
        Move(args[1], args[2], fromLeft, toLeft);
    }

    [RespCommand("blmpop")]
    private void NetworkBLMPop(RespArgs args)
    {
        if (!ParseMultiPop(args, 2, out int numKeys, out bool left, out long count)) return;
        if (!ParseBlockingTimeout(args[1], out long deadline)) return;
        if (TryMultiPop(args, 3, numKeys, left, count, out bool failed) || failed) return;
        if (!CanBlock)
        {
            _writer.WriteNullArray();
            return;
        }
        Block(args, 3, numKeys, KvsType.List, deadline);
    }
}
