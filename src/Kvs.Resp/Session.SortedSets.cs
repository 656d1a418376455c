using System.Runtime.InteropServices;
using Kvs.Core.Storage;
using Kvs.Core.Types;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// Sorted-set commands, following Redis 7.0's t_zset.c rule for rule: argument checks in the
/// same order (so the same error wins), the same empty/nil replies, RESP3 nested pairs for
/// WITHSCORES, scores replied as Redis formats doubles. Values are <see cref="RedisSortedSet"/>.
/// <para>
/// Every write goes through the store: a new key with Create, a change in place between
/// BeginUpdate and CompleteUpdate (called only once something is known to change, so a no-op
/// write leaves the version alone), a set emptied by a command is deleted, and *STORE commands
/// replace the destination (dropping its TTL, like setKey) or delete it when the result is empty.
/// </para>
/// </summary>
public sealed partial class Session
{
    /// <summary>Reused list of range results (nodes of the source set, valid while the command runs).</summary>
    private List<SortedSetNode>? _zsetScratch;

    private List<SortedSetNode> RentZsetList() => _zsetScratch ?? new List<SortedSetNode>();

    private void ReturnZsetList(List<SortedSetNode> list)
    {
        list.Clear();
        if (list.Capacity <= 4096) _zsetScratch = list;
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Finds a key for a sorted-set command: false (WRONGTYPE written) when it holds another type.</summary>
    private bool TryGetZSet(KvsEntry? e, out RedisSortedSet? zset)
    {
        zset = null;
        if (e == null) return true;
        if (e.Type != KvsType.ZSet)
        {
            WrongType();
            return false;
        }
        zset = (RedisSortedSet)e.Value;
        return true;
    }

    /// <summary>
    /// Adds a member known to be absent, keeping the reported encoding as zsetAdd does: the set
    /// turns "skiplist" before the insert that would exceed zset-max-listpack-entries or bring a
    /// member longer than zset-max-listpack-value, and a listpack stores -0 as the integer 0.
    /// </summary>
    private void ZsetInsert(RedisSortedSet zset, double score, ReadOnlySpan<byte> member, uint hash)
    {
        if (zset.IsListpack && (zset.Count + 1 > _config.ZsetMaxListpackEntries || member.Length > _config.ZsetMaxListpackValue))
            zset.IsListpack = false;
        if (zset.IsListpack && score == 0) score = 0.0;
        zset.Insert(score, member.ToArray(), hash);
    }

    /// <summary>Same as <see cref="ZsetInsert(RedisSortedSet, double, ReadOnlySpan{byte}, uint)"/> for a member array that can be shared.</summary>
    private void ZsetInsertShared(RedisSortedSet zset, double score, byte[] member)
    {
        if (zset.IsListpack && (zset.Count + 1 > _config.ZsetMaxListpackEntries || member.Length > _config.ZsetMaxListpackValue))
            zset.IsListpack = false;
        if (zset.IsListpack && score == 0) score = 0.0;
        zset.Insert(score, member);
    }

    /// <summary>Changes a score when it differs (Redis compares with ==, so -0 and 0 are the same score).</summary>
    private static bool ZsetUpdate(RedisSortedSet zset, SortedSetNode node, double score)
    {
        if (score == node.Score) return false;
        zset.UpdateScore(node, zset.IsListpack && score == 0 ? 0.0 : score);
        return true;
    }

    /// <summary>Redis's zsetConvertToListpackIfNeeded for computed results (ZUNIONSTORE...): -0 becomes 0 in a listpack.</summary>
    private void ZsetChooseEncoding(RedisSortedSet zset, int maxMemberLength)
    {
        zset.IsListpack = zset.Count <= _config.ZsetMaxListpackEntries && maxMemberLength <= _config.ZsetMaxListpackValue;
        if (!zset.IsListpack) return;
        for (var n = zset.First; n != null; n = n.Next)
            if (n.Score == 0 && double.IsNegative(n.Score)) zset.UpdateScore(n, 0.0);
    }

    /// <summary>One end of a score range: "(" for exclusive, then strtod as zslParseRange does.</summary>
    private static bool TryParseScoreBound(ReadOnlySpan<byte> s, out double value, out bool exclusive)
    {
        exclusive = s.Length > 0 && s[0] == '(';
        return Strtod.TryParseRangeValue(exclusive ? s.Slice(1) : s, out value);
    }

    /// <summary>zslParseRange, or writes "min or max is not a float".</summary>
    private bool ParseScoreRangeOrReply(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out ScoreRange range)
    {
        range = default;
        if (!TryParseScoreBound(min, out double lo, out bool loEx) || !TryParseScoreBound(max, out double hi, out bool hiEx))
        {
            WriteError("ERR min or max is not a float");
            return false;
        }
        range = new ScoreRange(lo, hi, loEx, hiEx);
        return true;
    }

    /// <summary>zslParseLexRangeItem: "[x", "(x", "-", "+" (a C string, so "+" may be followed by a NUL).</summary>
    private static bool TryParseLexBound(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> value, out LexBoundKind kind)
    {
        value = default;
        kind = LexBoundKind.Inclusive;
        if (s.IsEmpty) return false;
        switch (s[0])
        {
            case (byte)'+':
                kind = LexBoundKind.PositiveInfinity;
                return s.Length == 1 || s[1] == 0;
            case (byte)'-':
                kind = LexBoundKind.NegativeInfinity;
                return s.Length == 1 || s[1] == 0;
            case (byte)'(':
                kind = LexBoundKind.Exclusive;
                value = s.Slice(1);
                return true;
            case (byte)'[':
                value = s.Slice(1);
                return true;
            default:
                return false;
        }
    }

    /// <summary>zslParseLexRange, or writes "min or max not valid string range item".</summary>
    private bool ParseLexRangeOrReply(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out LexRange range)
    {
        range = default;
        if (!TryParseLexBound(min, out var lo, out var loKind) || !TryParseLexBound(max, out var hi, out var hiKind))
        {
            WriteError("ERR min or max not valid string range item");
            return false;
        }
        range = new LexRange(lo, loKind, hi, hiKind);
        return true;
    }

    /// <summary>Writes one element of a reply: member, then its score when asked (a nested pair in RESP3).</summary>
    private void WriteZsetElement(SortedSetNode node, bool withScores)
    {
        if (withScores && _writer.IsResp3) _writer.WriteArrayHeader(2);
        _writer.WriteBulk(node.Member);
        if (withScores) _writer.WriteDouble(node.Score);
    }

    /// <summary>Array header for <paramref name="count"/> elements: flat member/score pairs in RESP2.</summary>
    private void WriteZsetArrayHeader(int count, bool withScores) =>
        _writer.WriteArrayHeader(withScores && !_writer.IsResp3 ? count * 2 : count);

    // ------------------------------------------------------------------ ZADD, ZINCRBY

    [RespCommand("zadd")]
    private void NetworkZAdd(RespArgs args) => ZAddGeneric(args, incrOnly: false);

    [RespCommand("zincrby")]
    private void NetworkZIncrBy(RespArgs args) => ZAddGeneric(args, incrOnly: true);

    /// <summary>zaddGenericCommand: ZADD's options, or ZINCRBY as ZADD INCR (whose option loop runs too).</summary>
    private void ZAddGeneric(RespArgs args, bool incrOnly)
    {
        bool nx = false, xx = false, ch = false, incr = incrOnly, gt = false, lt = false;
        int scoreIdx = 2;
        while (scoreIdx < args.Count)
        {
            if (args.Is(scoreIdx, "NX"u8)) nx = true;
            else if (args.Is(scoreIdx, "XX"u8)) xx = true;
            else if (args.Is(scoreIdx, "CH"u8)) ch = true;
            else if (args.Is(scoreIdx, "INCR"u8)) incr = true;
            else if (args.Is(scoreIdx, "GT"u8)) gt = true;
            else if (args.Is(scoreIdx, "LT"u8)) lt = true;
            else break;
            scoreIdx++;
        }
        int elements = args.Count - scoreIdx;
        if (elements % 2 != 0 || elements == 0)
        {
            SyntaxError();
            return;
        }
        elements /= 2;
        if (nx && xx)
        {
            WriteError("ERR XX and NX options at the same time are not compatible");
            return;
        }
        if ((gt && nx) || (lt && nx) || (gt && lt))
        {
            WriteError("ERR GT, LT, and/or NX options at the same time are not compatible");
            return;
        }
        if (incr && elements > 1)
        {
            WriteError("ERR INCR option supports a single increment-element pair");
            return;
        }
        Span<double> scores = elements <= 64 ? stackalloc double[elements] : new double[elements];
        for (int j = 0; j < elements; j++)
        {
            if (!Strtod.TryParseStrict(args[scoreIdx + j * 2], out scores[j]))
            {
                NotFloat();
                return;
            }
        }

        var db = Database;
        var e = _store.Find(db, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        bool created = false;
        if (zset == null)
        {
            if (xx)
            {
                if (incr) _writer.WriteNull();
                else _writer.WriteInteger(0);
                return;
            }
            zset = new RedisSortedSet { IsListpack = _config.ZsetMaxListpackEntries > 0 };
            created = true;
        }

        bool begun = false;
        long added = 0, updated = 0, processed = 0;
        double replyScore = 0;
        for (int j = 0; j < elements; j++)
        {
            double score = scores[j];
            var member = args[scoreIdx + j * 2 + 1];
            uint hash = RedisSortedSet.HashMember(member);
            var node = zset.Find(member, hash);
            if (node != null)
            {
                if (nx) continue;
                double current = node.Score;
                if (incr)
                {
                    score += current;
                    if (double.IsNaN(score))
                    {
                        WriteError("ERR resulting score is not a number (NaN)");
                        if (begun) _store.CompleteUpdate(db, e!, Ctx);
                        return;
                    }
                }
                if ((lt && score >= current) || (gt && score <= current)) continue;
                processed++;
                replyScore = score;
                if (score != current)
                {
                    if (!created && !begun)
                    {
                        _store.BeginUpdate(db, e!, Ctx);
                        begun = true;
                    }
                    ZsetUpdate(zset, node, score);
                    updated++;
                }
            }
            else if (!xx)
            {
                if (!created && !begun)
                {
                    _store.BeginUpdate(db, e!, Ctx);
                    begun = true;
                }
                ZsetInsert(zset, score, member, hash);
                added++;
                processed++;
                replyScore = score;
            }
        }

        if (incr)
        {
            if (processed > 0) _writer.WriteDouble(replyScore);
            else _writer.WriteNull();
        }
        else
        {
            _writer.WriteInteger(ch ? added + updated : added);
        }
        if (created)
        {
            if (zset.Count > 0) _store.Create(db, args[1], zset, KvsType.ZSet, Ctx);
        }
        else if (begun)
        {
            _store.CompleteUpdate(db, e!, Ctx);
        }
    }

    // ------------------------------------------------------------------ ZREM, ZSCORE, ZMSCORE, ZCARD

    [RespCommand("zrem")]
    private void NetworkZRem(RespArgs args)
    {
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        if (zset == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        long deleted = 0;
        for (int j = 2; j < args.Count; j++)
        {
            var node = zset.Find(args[j]);
            if (node == null) continue;
            if (deleted == 0) _store.BeginUpdate(db, e!, Ctx);
            zset.Remove(node);
            deleted++;
            if (zset.Count == 0) break;
        }
        _writer.WriteInteger(deleted);
        FinishZsetWrite(db, e!, zset, deleted > 0);
    }

    /// <summary>Ends an in-place write that called BeginUpdate when <paramref name="changed"/>: deletes the key if the set is now empty.</summary>
    private void FinishZsetWrite(Database db, KvsEntry e, RedisSortedSet zset, bool changed)
    {
        if (!changed) return;
        if (zset.Count == 0) _store.Delete(db, e, Ctx);
        else _store.CompleteUpdate(db, e, Ctx);
    }

    [RespCommand("zscore")]
    private void NetworkZScore(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        var node = zset?.Find(args[2]);
        if (node == null) _writer.WriteNull();
        else _writer.WriteDouble(node.Score);
    }

    [RespCommand("zmscore")]
    private void NetworkZMScore(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        _writer.WriteArrayHeader(args.Count - 2);
        for (int j = 2; j < args.Count; j++)
        {
            var node = zset?.Find(args[j]);
            if (node == null) _writer.WriteNull();
            else _writer.WriteDouble(node.Score);
        }
    }

    [RespCommand("zcard")]
    private void NetworkZCard(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        _writer.WriteInteger(zset?.Count ?? 0);
    }

    // ------------------------------------------------------------------ ZCOUNT, ZLEXCOUNT, ZRANK

    [RespCommand("zcount")]
    private void NetworkZCount(RespArgs args)
    {
        if (!ParseScoreRangeOrReply(args[2], args[3], out var range)) return;
        var e = _store.Read(Database, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        _writer.WriteInteger(zset?.CountInRange(range) ?? 0);
    }

    [RespCommand("zlexcount")]
    private void NetworkZLexCount(RespArgs args)
    {
        if (!ParseLexRangeOrReply(args[2], args[3], out var range)) return;
        var e = _store.Read(Database, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        _writer.WriteInteger(zset?.CountInLexRange(range) ?? 0);
    }

    [RespCommand("zrank")]
    private void NetworkZRank(RespArgs args) => ZRankGeneric(args, reverse: false);

    [RespCommand("zrevrank")]
    private void NetworkZRevRank(RespArgs args) => ZRankGeneric(args, reverse: true);

    /// <summary>ZRANK/ZREVRANK key member (Redis 7.0 has no WITHSCORE: the arity check refuses it).</summary>
    private void ZRankGeneric(RespArgs args, bool reverse)
    {
        var e = _store.Read(Database, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        var node = zset?.Find(args[2]);
        if (node == null)
        {
            _writer.WriteNull();
            return;
        }
        int rank = zset!.GetRank(node);
        _writer.WriteInteger(reverse ? zset.Count - 1 - rank : rank);
    }

    // ------------------------------------------------------------------ ZRANGE family

    private enum ZRangeType : byte { Auto, Rank, Score, Lex }

    private enum ZRangeDirection : byte { Auto, Forward, Reverse }

    [RespCommand("zrange")]
    private void NetworkZRange(RespArgs args) => ZRangeGeneric(args, 1, store: false, ZRangeType.Auto, ZRangeDirection.Auto);

    [RespCommand("zrangestore")]
    private void NetworkZRangeStore(RespArgs args) => ZRangeGeneric(args, 2, store: true, ZRangeType.Auto, ZRangeDirection.Auto);

    [RespCommand("zrevrange")]
    private void NetworkZRevRange(RespArgs args) => ZRangeGeneric(args, 1, store: false, ZRangeType.Rank, ZRangeDirection.Reverse);

    [RespCommand("zrangebyscore")]
    private void NetworkZRangeByScore(RespArgs args) => ZRangeGeneric(args, 1, store: false, ZRangeType.Score, ZRangeDirection.Forward);

    [RespCommand("zrevrangebyscore")]
    private void NetworkZRevRangeByScore(RespArgs args) => ZRangeGeneric(args, 1, store: false, ZRangeType.Score, ZRangeDirection.Reverse);

    [RespCommand("zrangebylex")]
    private void NetworkZRangeByLex(RespArgs args) => ZRangeGeneric(args, 1, store: false, ZRangeType.Lex, ZRangeDirection.Forward);

    [RespCommand("zrevrangebylex")]
    private void NetworkZRevRangeByLex(RespArgs args) => ZRangeGeneric(args, 1, store: false, ZRangeType.Lex, ZRangeDirection.Reverse);

    /// <summary>
    /// zrangeGenericCommand: options (WITHSCORES, LIMIT, REV, BYSCORE, BYLEX as each command allows),
    /// the conflicts Redis reports, then the range (given max-first when reversed), then the key.
    /// The selected nodes are collected, then replied or stored.
    /// </summary>
    private void ZRangeGeneric(RespArgs args, int keyIdx, bool store, ZRangeType type, ZRangeDirection direction)
    {
        int minIdx = keyIdx + 1;
        int maxIdx = keyIdx + 2;
        bool withScores = false;
        long offset = 0, limit = -1;
        for (int j = keyIdx + 3; j < args.Count; j++)
        {
            int left = args.Count - j - 1;
            if (!store && args.Is(j, "WITHSCORES"u8)) withScores = true;
            else if (args.Is(j, "LIMIT"u8) && left >= 2)
            {
                if (!ParseLongOrReply(args[j + 1], out offset) || !ParseLongOrReply(args[j + 2], out limit)) return;
                j += 2;
            }
            else if (direction == ZRangeDirection.Auto && args.Is(j, "REV"u8)) direction = ZRangeDirection.Reverse;
            else if (type == ZRangeType.Auto && args.Is(j, "BYLEX"u8)) type = ZRangeType.Lex;
            else if (type == ZRangeType.Auto && args.Is(j, "BYSCORE"u8)) type = ZRangeType.Score;
            else
            {
                SyntaxError();
                return;
            }
        }
        if (direction == ZRangeDirection.Auto) direction = ZRangeDirection.Forward;
        if (type == ZRangeType.Auto) type = ZRangeType.Rank;
        if (limit != -1 && type == ZRangeType.Rank)
        {
            WriteError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
            return;
        }
        if (withScores && type == ZRangeType.Lex)
        {
            WriteError("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
            return;
        }
        bool reverse = direction == ZRangeDirection.Reverse;
        if (reverse && type != ZRangeType.Rank) (minIdx, maxIdx) = (maxIdx, minIdx);

        long start = 0, end = 0;
        ScoreRange scoreRange = default;
        LexRange lexRange = default;
        switch (type)
        {
            case ZRangeType.Rank:
                if (!ParseLongOrReply(args[minIdx], out start) || !ParseLongOrReply(args[maxIdx], out end)) return;
                break;
            case ZRangeType.Score:
                if (!ParseScoreRangeOrReply(args[minIdx], args[maxIdx], out scoreRange)) return;
                break;
            default:
                if (!ParseLexRangeOrReply(args[minIdx], args[maxIdx], out lexRange)) return;
                break;
        }

        var db = Database;
        var e = _store.Read(db, args[keyIdx]);
        if (e == null)
        {
            if (store) StoreZRangeResult(args, null, 0, false);
            else _writer.WriteEmptyArray();
            return;
        }
        if (!TryGetZSet(e, out var zset)) return;

        var list = RentZsetList();
        bool startListpack = true;
        switch (type)
        {
            case ZRangeType.Rank:
                CollectRankRange(zset!, start, end, reverse, list);
                startListpack = list.Count <= _config.ZsetMaxListpackEntries;
                break;
            case ZRangeType.Score:
                CollectScoreRange(zset!, scoreRange, offset, limit, reverse, list);
                break;
            default:
                CollectLexRange(zset!, lexRange, offset, limit, reverse, list);
                break;
        }
        if (store)
        {
            StoreZRangeResult(args, list, list.Count, startListpack);
        }
        else
        {
            WriteZsetArrayHeader(list.Count, withScores);
            foreach (var node in list) WriteZsetElement(node, withScores);
        }
        ReturnZsetList(list);
    }

    /// <summary>genericZrangebyrankCommand's index rules: negatives from the end, clamped, empty when inverted.</summary>
    private static void CollectRankRange(RedisSortedSet zset, long start, long end, bool reverse, List<SortedSetNode> into)
    {
        long length = zset.Count;
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        if (start > end || start >= length) return;
        if (end >= length) end = length - 1;
        long count = end - start + 1;
        var node = zset.GetByRank((int)(reverse ? length - 1 - start : start));
        for (; node != null && count > 0; count--)
        {
            into.Add(node);
            node = reverse ? node.Previous : node.Next;
        }
    }

    /// <summary>
    /// genericZrangebyscoreCommand: from the first (last when reversed) element in range, skip
    /// <paramref name="offset"/> (a negative offset walks off the end: empty), then take up to
    /// <paramref name="limit"/> (negative: all) while still in range.
    /// </summary>
    private static void CollectScoreRange(RedisSortedSet zset, in ScoreRange range, long offset, long limit, bool reverse, List<SortedSetNode> into)
    {
        if (offset < 0 || (offset > 0 && offset >= zset.Count)) return;
        var node = reverse ? zset.LastInRange(range) : zset.FirstInRange(range);
        while (node != null && offset-- > 0) node = reverse ? node.Previous : node.Next;
        while (node != null && limit-- != 0)
        {
            if (reverse ? !range.GteMin(node.Score) : !range.LteMax(node.Score)) break;
            into.Add(node);
            node = reverse ? node.Previous : node.Next;
        }
    }

    /// <summary>genericZrangebylexCommand: as <see cref="CollectScoreRange"/> with member bounds.</summary>
    private static void CollectLexRange(RedisSortedSet zset, in LexRange range, long offset, long limit, bool reverse, List<SortedSetNode> into)
    {
        if (offset < 0 || (offset > 0 && offset >= zset.Count)) return;
        var node = reverse ? zset.LastInLexRange(range) : zset.FirstInLexRange(range);
        while (node != null && offset-- > 0) node = reverse ? node.Previous : node.Next;
        while (node != null && limit-- != 0)
        {
            if (reverse ? !range.GteMin(node.Member) : !range.LteMax(node.Member)) break;
            into.Add(node);
            node = reverse ? node.Previous : node.Next;
        }
    }

    /// <summary>
    /// ZRANGESTORE's result (zrangeResultFinalizeStore): a new set replaces the destination, or
    /// an empty result deletes it. The new set starts as a listpack unless a rank range already
    /// exceeds the entry limit, and converts as elements are added (zsetTypeCreate + zsetAdd).
    /// </summary>
    private void StoreZRangeResult(RespArgs args, List<SortedSetNode>? nodes, int count, bool startListpack)
    {
        var db = Database;
        var dst = _store.Find(db, args[1]);
        if (count == 0)
        {
            _writer.WriteInteger(0);
            if (dst != null) _store.Delete(db, dst, Ctx);
            return;
        }
        var result = new RedisSortedSet { IsListpack = startListpack };
        foreach (var node in nodes!) ZsetInsertShared(result, node.Score, node.Member);
        StoreZsetResult(db, args[1], dst, result);
        _writer.WriteInteger(result.Count);
    }

    /// <summary>setKey for a computed sorted set: overwrites any type and clears the TTL.</summary>
    private void StoreZsetResult(Database db, ReadOnlySpan<byte> key, KvsEntry? dst, RedisSortedSet result)
    {
        if (dst == null) _store.Create(db, key, result, KvsType.ZSet, Ctx);
        else _store.Replace(db, dst, result, KvsType.ZSet, Ctx, 0);
    }

    // ------------------------------------------------------------------ ZREMRANGEBY*

    [RespCommand("zremrangebyrank")]
    private void NetworkZRemRangeByRank(RespArgs args) => ZRemRangeGeneric(args, ZRangeType.Rank);

    [RespCommand("zremrangebyscore")]
    private void NetworkZRemRangeByScore(RespArgs args) => ZRemRangeGeneric(args, ZRangeType.Score);

    [RespCommand("zremrangebylex")]
    private void NetworkZRemRangeByLex(RespArgs args) => ZRemRangeGeneric(args, ZRangeType.Lex);

    /// <summary>zremrangeGenericCommand: the range is parsed before the key is looked up.</summary>
    private void ZRemRangeGeneric(RespArgs args, ZRangeType type)
    {
        long start = 0, end = 0;
        ScoreRange scoreRange = default;
        LexRange lexRange = default;
        if (type == ZRangeType.Rank)
        {
            if (!ParseLongOrReply(args[2], out start) || !ParseLongOrReply(args[3], out end)) return;
        }
        else if (type == ZRangeType.Score)
        {
            if (!ParseScoreRangeOrReply(args[2], args[3], out scoreRange)) return;
        }
        else if (!ParseLexRangeOrReply(args[2], args[3], out lexRange))
        {
            return;
        }
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        if (zset == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        int removed;
        if (type == ZRangeType.Rank)
        {
            long length = zset.Count;
            if (start < 0) start += length;
            if (end < 0) end += length;
            if (start < 0) start = 0;
            if (start > end || start >= length)
            {
                _writer.WriteInteger(0);
                return;
            }
            if (end >= length) end = length - 1;
            _store.BeginUpdate(db, e!, Ctx);
            removed = zset.RemoveRangeByRank((int)start, (int)end);
        }
        else if (type == ZRangeType.Score)
        {
            removed = 0;
            if (zset.FirstInRange(scoreRange) != null)
            {
                _store.BeginUpdate(db, e!, Ctx);
                removed = zset.RemoveRangeByScore(scoreRange);
            }
        }
        else
        {
            removed = 0;
            if (zset.FirstInLexRange(lexRange) != null)
            {
                _store.BeginUpdate(db, e!, Ctx);
                removed = zset.RemoveRangeByLex(lexRange);
            }
        }
        _writer.WriteInteger(removed);
        FinishZsetWrite(db, e!, zset, removed > 0);
    }

    // ------------------------------------------------------------------ pops

    [RespCommand("zpopmin")]
    private void NetworkZPopMin(RespArgs args) => ZPopMinMax(args, max: false);

    [RespCommand("zpopmax")]
    private void NetworkZPopMax(RespArgs args) => ZPopMinMax(args, max: true);

    /// <summary>ZPOPMIN/ZPOPMAX key [count]: a flat array, nested pairs only in RESP3 with a count.</summary>
    private void ZPopMinMax(RespArgs args, bool max)
    {
        if (args.Count > 3)
        {
            SyntaxError();
            return;
        }
        long count = -1;
        if (args.Count == 3)
        {
            if (!TryParseLong(args[2], out count) || count < 0)
            {
                WriteError("ERR value is out of range, must be positive");
                return;
            }
        }
        bool nested = _writer.IsResp3 && count != -1;
        ZPopGeneric(args, 1, 1, max, emitKey: false, count, nested, nullWhenEmpty: false);
    }

    /// <summary>
    /// genericZpopCommand over <paramref name="keyCount"/> keys from <paramref name="firstKey"/>:
    /// the first key holding a sorted set (a key of another type is an error) is popped. Reply
    /// shapes: flat (ZPOPMIN), nested pairs (RESP3 ZPOPMIN with count), key + flat (BZPOPMIN),
    /// key + nested (ZMPOP). Returns whether a set was found.
    /// </summary>
    private bool ZPopGeneric(RespArgs args, int firstKey, int keyCount, bool max, bool emitKey, long count, bool nested, bool nullWhenEmpty)
    {
        var db = Database;
        KvsEntry? e = null;
        int keyIdx = -1;
        for (int k = 0; k < keyCount; k++)
        {
            e = _store.Find(db, args[firstKey + k]);
            if (e == null) continue;
            if (e.Type != KvsType.ZSet)
            {
                WrongType();
                return true;
            }
            keyIdx = firstKey + k;
            break;
        }
        if (keyIdx < 0)
        {
            if (nullWhenEmpty) _writer.WriteNullArray();
            else _writer.WriteEmptyArray();
            return false;
        }
        if (count == 0)
        {
            _writer.WriteEmptyArray();
            return true;
        }
        if (count == -1) count = 1;
        var zset = (RedisSortedSet)e!.Value;
        long popCount = Math.Min(count, zset.Count);
        if (!nested && !emitKey) _writer.WriteArrayHeader((int)(popCount * 2));
        else if (nested && !emitKey) _writer.WriteArrayHeader((int)popCount);
        else if (!nested)
        {
            _writer.WriteArrayHeader((int)(popCount * 2 + 1));
            _writer.WriteBulk(args[keyIdx]);
        }
        else
        {
            _writer.WriteArrayHeader(2);
            _writer.WriteBulk(args[keyIdx]);
            _writer.WriteArrayHeader((int)popCount);
        }
        _store.BeginUpdate(db, e, Ctx);
        for (long i = 0; i < popCount; i++)
        {
            var node = max ? zset.Last! : zset.First!;
            zset.Remove(node);
            if (nested) _writer.WriteArrayHeader(2);
            _writer.WriteBulk(node.Member);
            _writer.WriteDouble(node.Score);
        }
        FinishZsetWrite(db, e, zset, true);
        return true;
    }

    [RespCommand("zmpop")]
    private void NetworkZMPop(RespArgs args) => ZMPopGeneric(args, 1, blocking: false);

    [RespCommand("bzmpop")]
    private void NetworkBZMPop(RespArgs args) => ZMPopGeneric(args, 2, blocking: true);

    /// <summary>zmpopGenericCommand: numkeys, keys, MIN|MAX, [COUNT n]; BZMPOP's timeout is checked after them.</summary>
    private void ZMPopGeneric(RespArgs args, int numKeysIdx, bool blocking)
    {
        if (!TryParseLong(args[numKeysIdx], out long numKeys) || numKeys < 1)
        {
            WriteError("ERR numkeys should be greater than 0");
            return;
        }
        long whereIdx = numKeys >= args.Count ? args.Count : numKeysIdx + numKeys + 1;
        if (whereIdx >= args.Count)
        {
            SyntaxError();
            return;
        }
        bool max;
        if (args.Is((int)whereIdx, "MIN"u8)) max = false;
        else if (args.Is((int)whereIdx, "MAX"u8)) max = true;
        else
        {
            SyntaxError();
            return;
        }
        long count = -1;
        for (int j = (int)whereIdx + 1; j < args.Count; j++)
        {
            bool moreArgs = j < args.Count - 1;
            if (count == -1 && args.Is(j, "COUNT"u8) && moreArgs)
            {
                j++;
                if (!TryParseLong(args[j], out count) || count < 1)
                {
                    WriteError("ERR count should be greater than 0");
                    return;
                }
            }
            else
            {
                SyntaxError();
                return;
            }
        }
        if (count == -1) count = 1;
        if (blocking)
        {
            if (!ParseBlockingTimeoutOrReply(args[1])) return;
            ServeBlockingZPop(args, numKeysIdx + 1, (int)numKeys, max, count, nested: true);
        }
        else
        {
            ZPopGeneric(args, numKeysIdx + 1, (int)numKeys, max, emitKey: true, count, nested: true, nullWhenEmpty: true);
        }
    }

    [RespCommand("bzpopmin")]
    private void NetworkBZPopMin(RespArgs args) => BZPopMinMax(args, max: false);

    [RespCommand("bzpopmax")]
    private void NetworkBZPopMax(RespArgs args) => BZPopMinMax(args, max: true);

    /// <summary>BZPOPMIN/BZPOPMAX key [key ...] timeout.</summary>
    private void BZPopMinMax(RespArgs args, bool max)
    {
        if (!ParseBlockingTimeoutOrReply(args[args.Count - 1])) return;
        ServeBlockingZPop(args, 1, args.Count - 2, max, -1, nested: false);
    }

    /// <summary>
    /// The non-blocking core of BZPOPMIN/BZPOPMAX/BZMPOP (blockingGenericZpopCommand): the first
    /// key holding a non-empty sorted set is served with the key in the reply; a key of another
    /// type is an error. With no data the client would block; until the blocking infrastructure
    /// is wired in here, it gets at once the reply of an expired timeout (a null array), which is
    /// also what Redis answers inside MULTI.
    /// </summary>
    private void ServeBlockingZPop(RespArgs args, int firstKey, int keyCount, bool max, long count, bool nested)
    {
        if (TryServeBlockingZPop(args, firstKey, keyCount, max, count, nested)) return;
        _writer.WriteNullArray();
    }

    /// <summary>Serves a blocking pop if some key has data (or is of the wrong type); false when the client would block.</summary>
    internal bool TryServeBlockingZPop(RespArgs args, int firstKey, int keyCount, bool max, long count, bool nested)
    {
        var db = Database;
        for (int k = 0; k < keyCount; k++)
        {
            var e = _store.Find(db, args[firstKey + k]);
            if (e == null) continue;
            if (e.Type != KvsType.ZSet)
            {
                WrongType();
                return true;
            }
            if (((RedisSortedSet)e.Value).Count == 0) continue;
            ZPopGeneric(args, firstKey + k, 1, max, emitKey: true, count, nested, nullWhenEmpty: false);
            return true;
        }
        return false;
    }

    /// <summary>
    /// getTimeoutFromObjectOrReply in seconds: a float (strtold rules), truncated to milliseconds,
    /// not negative.
    /// </summary>
    private bool ParseBlockingTimeoutOrReply(ReadOnlySpan<byte> s)
    {
        if (!Strtod.TryParseStrict(s, out double seconds))
        {
            WriteError("ERR timeout is not a float or out of range");
            return false;
        }
        // (long long)(seconds * 1000): out of range or NaN converts to LLONG_MIN on x86, hence "negative".
        double ms = seconds * 1000.0;
        long milliseconds = double.IsNaN(ms) || ms >= 9223372036854775808.0 || ms < -9223372036854775808.0 ? long.MinValue : (long)ms;
        if (milliseconds < 0)
        {
            WriteError("ERR timeout is negative");
            return false;
        }
        if (milliseconds > long.MaxValue - _store.Now)
        {
            WriteError("ERR timeout is out of range");
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ ZRANDMEMBER

    [RespCommand("zrandmember")]
    private void NetworkZRandMember(RespArgs args)
    {
        if (args.Count >= 3)
        {
            if (!TryParseLong(args[2], out long count))
            {
                NotInteger();
                return;
            }
            if (count == long.MinValue)
            {
                WriteError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
                return;
            }
            if (args.Count > 4 || (args.Count == 4 && !args.Is(3, "WITHSCORES"u8)))
            {
                SyntaxError();
                return;
            }
            bool withScores = args.Count == 4;
            if (withScores && (count < -long.MaxValue / 2 || count > long.MaxValue / 2))
            {
                WriteError("ERR value is out of range");
                return;
            }
            ZRandMemberWithCount(args, count, withScores);
            return;
        }
        var e = _store.Read(Database, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        if (zset == null)
        {
            _writer.WriteNull();
            return;
        }
        _writer.WriteBulk(zset.GetByRank(Random.Shared.Next(zset.Count))!.Member);
    }

    /// <summary>
    /// zrandmemberWithCountCommand: a negative count samples with repetition; a count at least
    /// the size returns the whole set (from the highest element down, as Redis iterates); a
    /// smaller one returns distinct random elements.
    /// </summary>
    private void ZRandMemberWithCount(RespArgs args, long requested, bool withScores)
    {
        var e = _store.Read(Database, args[1]);
        if (!TryGetZSet(e, out var zset)) return;
        if (zset == null || requested == 0)
        {
            _writer.WriteEmptyArray();
            return;
        }
        bool unique = requested > 0;
        long count = unique ? requested : -requested;
        int size = zset.Count;
        if (!unique && count > int.MaxValue / 2)
        {
            // Redis would try to send billions of elements; a reply header cannot say that here.
            WriteError("ERR value is out of range");
            return;
        }
        if (!unique || count == 1)
        {
            WriteZsetArrayHeader((int)count, withScores);
            for (long i = 0; i < count; i++) WriteZsetElement(zset.GetByRank(Random.Shared.Next(size))!, withScores);
            return;
        }
        if (count >= size)
        {
            WriteZsetArrayHeader(size, withScores);
            for (var n = zset.Last; n != null; n = n.Previous) WriteZsetElement(n, withScores);
            return;
        }
        var list = RentZsetList();
        if (count * 3 > size)
        {
            // Most of the set: shuffle a copy partially (Fisher-Yates) and keep the first count.
            for (var n = zset.First; n != null; n = n.Next) list.Add(n);
            var span = CollectionsMarshal.AsSpan(list);
            for (int i = 0; i < count; i++)
            {
                int pick = Random.Shared.Next(i, span.Length);
                (span[i], span[pick]) = (span[pick], span[i]);
            }
            list.RemoveRange((int)count, list.Count - (int)count);
        }
        else
        {
            var seen = new HashSet<SortedSetNode>(ReferenceEqualityComparer.Instance);
            while (list.Count < count)
            {
                var node = zset.GetByRank(Random.Shared.Next(size))!;
                if (seen.Add(node)) list.Add(node);
            }
        }
        WriteZsetArrayHeader(list.Count, withScores);
        foreach (var node in list) WriteZsetElement(node, withScores);
        ReturnZsetList(list);
    }

    // ------------------------------------------------------------------ ZUNION, ZINTER, ZDIFF

    private enum ZSetOp : byte { Union, Inter, Diff }

    private enum ZAggregate : byte { Sum, Min, Max }

    /// <summary>One input of a set operation: a sorted set, a plain set (scores 1) or nothing.</summary>
    private struct ZSetOpSource
    {
        public RedisSortedSet? Zset;
        public IReadOnlyMemberSet? Set;
        public double Weight;
        public readonly int Length => Zset?.Count ?? Set?.Count ?? 0;
        public readonly object? Subject => (object?)Zset ?? Set;

        /// <summary>zuiFind: the element's score in this input (1 in a plain set).</summary>
        public readonly bool TryFind(byte[] member, out double score)
        {
            score = 1.0;
            if (Zset != null) return Zset.TryGetScore(member, out score);
            return Set != null && Set.Contains(member);
        }
    }

    [RespCommand("zunion")]
    private void NetworkZUnion(RespArgs args) => ZSetOperation(args, 1, dstIdx: -1, ZSetOp.Union, cardinalityOnly: false, "zunion");

    [RespCommand("zinter")]
    private void NetworkZInter(RespArgs args) => ZSetOperation(args, 1, dstIdx: -1, ZSetOp.Inter, cardinalityOnly: false, "zinter");

    [RespCommand("zdiff")]
    private void NetworkZDiff(RespArgs args) => ZSetOperation(args, 1, dstIdx: -1, ZSetOp.Diff, cardinalityOnly: false, "zdiff");

    [RespCommand("zunionstore")]
    private void NetworkZUnionStore(RespArgs args) => ZSetOperation(args, 2, dstIdx: 1, ZSetOp.Union, cardinalityOnly: false, "zunionstore");

    [RespCommand("zinterstore")]
    private void NetworkZInterStore(RespArgs args) => ZSetOperation(args, 2, dstIdx: 1, ZSetOp.Inter, cardinalityOnly: false, "zinterstore");

    [RespCommand("zdiffstore")]
    private void NetworkZDiffStore(RespArgs args) => ZSetOperation(args, 2, dstIdx: 1, ZSetOp.Diff, cardinalityOnly: false, "zdiffstore");

    [RespCommand("zintercard")]
    private void NetworkZInterCard(RespArgs args) => ZSetOperation(args, 1, dstIdx: -1, ZSetOp.Inter, cardinalityOnly: true, "zintercard");

    /// <summary>
    /// zunionInterDiffGenericCommand: numkeys, the keys (type-checked before any option), then
    /// WEIGHTS / AGGREGATE / WITHSCORES / LIMIT as the command allows. Inputs other than DIFF's
    /// are ordered by size (stable) as Redis's qsort does, which fixes the order in which floating
    /// sums are added. A weighted score that is NaN (0 * inf) counts as 0, as does a SUM of inf
    /// and -inf.
    /// </summary>
    private void ZSetOperation(RespArgs args, int numKeysIdx, int dstIdx, ZSetOp op, bool cardinalityOnly, string commandName)
    {
        if (!ParseLongOrReply(args[numKeysIdx], out long setCount)) return;
        if (setCount < 1)
        {
            WriteError($"ERR at least 1 input key is needed for '{commandName}' command");
            return;
        }
        if (setCount > args.Count - (numKeysIdx + 1))
        {
            SyntaxError();
            return;
        }
        var db = Database;
        int n = (int)setCount;
        var sources = new ZSetOpSource[n];
        for (int i = 0; i < n; i++)
        {
            var key = args[numKeysIdx + 1 + i];
            var e = dstIdx >= 0 ? _store.Find(db, key) : _store.Read(db, key);
            sources[i].Weight = 1.0;
            if (e == null) continue;
            if (e.Type == KvsType.ZSet) sources[i].Zset = (RedisSortedSet)e.Value;
            else if (e.Type == KvsType.Set && e.Value is IReadOnlyMemberSet set) sources[i].Set = set;
            else
            {
                WrongType();
                return;
            }
        }

        var aggregate = ZAggregate.Sum;
        bool withScores = false;
        long limit = 0;
        int j = numKeysIdx + 1 + n;
        int remaining = args.Count - j;
        while (remaining > 0)
        {
            if (op != ZSetOp.Diff && !cardinalityOnly && remaining >= n + 1 && args.Is(j, "WEIGHTS"u8))
            {
                j++;
                remaining--;
                for (int i = 0; i < n; i++, j++, remaining--)
                {
                    if (!Strtod.TryParseStrict(args[j], out sources[i].Weight))
                    {
                        WriteError("ERR weight value is not a float");
                        return;
                    }
                }
            }
            else if (op != ZSetOp.Diff && !cardinalityOnly && remaining >= 2 && args.Is(j, "AGGREGATE"u8))
            {
                if (args.Is(j + 1, "SUM"u8)) aggregate = ZAggregate.Sum;
                else if (args.Is(j + 1, "MIN"u8)) aggregate = ZAggregate.Min;
                else if (args.Is(j + 1, "MAX"u8)) aggregate = ZAggregate.Max;
                else
                {
                    SyntaxError();
                    return;
                }
                j += 2;
                remaining -= 2;
            }
            else if (remaining >= 1 && dstIdx < 0 && !cardinalityOnly && args.Is(j, "WITHSCORES"u8))
            {
                j++;
                remaining--;
                withScores = true;
            }
            else if (cardinalityOnly && remaining >= 2 && args.Is(j, "LIMIT"u8))
            {
                if (!TryParseLong(args[j + 1], out limit) || limit < 0)
                {
                    WriteError("ERR LIMIT can't be negative");
                    return;
                }
                j += 2;
                remaining -= 2;
            }
            else
            {
                SyntaxError();
                return;
            }
        }

        if (op != ZSetOp.Diff)
        {
            // Stable insertion sort by size: the order of the inputs decides the order of additions.
            for (int a = 1; a < n; a++)
            {
                var item = sources[a];
                int b = a - 1;
                while (b >= 0 && sources[b].Length > item.Length)
                {
                    sources[b + 1] = sources[b];
                    b--;
                }
                sources[b + 1] = item;
            }
        }

        var result = new RedisSortedSet { IsListpack = false };
        int maxMemberLength = 0;
        long cardinality = 0;
        var members = new List<byte[]>();
        var scores = new List<double>();
        if (op == ZSetOp.Inter)
        {
            if (sources[0].Length > 0)
            {
                ReadSource(sources[0], members, scores);
                for (int m = 0; m < members.Count; m++)
                {
                    byte[] member = members[m];
                    double score = sources[0].Weight * scores[m];
                    if (double.IsNaN(score)) score = 0;
                    int k;
                    for (k = 1; k < n; k++)
                    {
                        double value;
                        if (ReferenceEquals(sources[k].Subject, sources[0].Subject)) value = scores[m] * sources[k].Weight;
                        else if (sources[k].TryFind(member, out value)) value *= sources[k].Weight;
                        else break;
                        score = Aggregate(score, value, aggregate);
                    }
                    if (k != n) continue;
                    if (cardinalityOnly)
                    {
                        cardinality++;
                        if (limit != 0 && cardinality >= limit) break;
                    }
                    else
                    {
                        result.Insert(score, member);
                        maxMemberLength = Math.Max(maxMemberLength, member.Length);
                    }
                }
            }
        }
        else if (op == ZSetOp.Union)
        {
            var accumulator = new Dictionary<byte[], double>(ByteArrayComparer.Instance);
            for (int i = 0; i < n; i++)
            {
                if (sources[i].Length == 0) continue;
                members.Clear();
                scores.Clear();
                ReadSource(sources[i], members, scores);
                for (int m = 0; m < members.Count; m++)
                {
                    double score = sources[i].Weight * scores[m];
                    if (double.IsNaN(score)) score = 0;
                    ref double slot = ref CollectionsMarshal.GetValueRefOrAddDefault(accumulator, members[m], out bool exists);
                    slot = exists ? Aggregate(slot, score, aggregate) : score;
                }
            }
            foreach (var (member, score) in accumulator)
            {
                result.Insert(score, member);
                maxMemberLength = Math.Max(maxMemberLength, member.Length);
            }
        }
        else if (sources[0].Length > 0)
        {
            ReadSource(sources[0], members, scores);
            for (int m = 0; m < members.Count; m++)
            {
                byte[] member = members[m];
                bool found = false;
                for (int k = 1; k < n && !found; k++) found = sources[k].TryFind(member, out _);
                if (found) continue;
                result.Insert(scores[m], member);
                maxMemberLength = Math.Max(maxMemberLength, member.Length);
            }
        }

        if (cardinalityOnly)
        {
            _writer.WriteInteger(cardinality);
            return;
        }
        if (dstIdx >= 0)
        {
            var dst = _store.Find(db, args[dstIdx]);
            if (result.Count > 0)
            {
                ZsetChooseEncoding(result, maxMemberLength);
                StoreZsetResult(db, args[dstIdx], dst, result);
                _writer.WriteInteger(result.Count);
            }
            else
            {
                _writer.WriteInteger(0);
                if (dst != null) _store.Delete(db, dst, Ctx);
            }
            return;
        }
        WriteZsetArrayHeader(result.Count, withScores);
        for (var node = result.First; node != null; node = node.Next) WriteZsetElement(node, withScores);
    }

    /// <summary>Every element of an input with its raw score (1 for plain sets).</summary>
    private static void ReadSource(in ZSetOpSource source, List<byte[]> members, List<double> scores)
    {
        if (source.Zset != null)
        {
            for (var n = source.Zset.First; n != null; n = n.Next)
            {
                members.Add(n.Member);
                scores.Add(n.Score);
            }
        }
        else if (source.Set != null)
        {
            int before = members.Count;
            source.Set.CopyMembersTo(members);
            for (int i = before; i < members.Count; i++) scores.Add(1.0);
        }
    }

    /// <summary>zunionInterAggregate.</summary>
    private static double Aggregate(double target, double value, ZAggregate aggregate)
    {
        switch (aggregate)
        {
            case ZAggregate.Sum:
                double sum = target + value;
                return double.IsNaN(sum) ? 0.0 : sum;
            case ZAggregate.Min:
                return value < target ? value : target;
            default:
                return value > target ? value : target;
        }
    }

    /// <summary>Byte-wise equality for member keys of the union accumulator.</summary>
    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => (int)RedisSortedSet.HashMember(obj);
    }

    // ------------------------------------------------------------------ ZSCAN

    /// <summary>
    /// ZSCAN key cursor [MATCH pattern] [COUNT n]. A listpack-sized set is returned whole with
    /// cursor 0 and scores as the listpack stores them (d2string); a larger one is walked bucket
    /// by bucket with the reverse-binary cursor, scores as %.17g (ld2string).
    /// </summary>
    [RespCommand("zscan")]
    private void NetworkZScan(RespArgs args)
    {
        if (!TryParseScanCursor(args[2], out ulong cursor))
        {
            WriteError("ERR invalid cursor");
            return;
        }
        var e = _store.Read(Database, args[1]);
        if (e == null)
        {
            _writer.WriteRaw("*2\r\n$1\r\n0\r\n*0\r\n"u8);
            return;
        }
        if (!TryGetZSet(e, out var zset)) return;
        long count = 10;
        ReadOnlySpan<byte> pattern = default;
        bool usePattern = false;
        for (int i = 3; i < args.Count;)
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
            else
            {
                SyntaxError();
                return;
            }
        }

        var list = RentZsetList();
        bool listpack = zset!.IsListpack;
        if (listpack)
        {
            for (var n = zset.First; n != null; n = n.Next) list.Add(n);
            cursor = 0;
        }
        else
        {
            long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
            do cursor = zset.ScanBucket(cursor, list);
            while (cursor != 0 && maxIterations-- != 0 && list.Count < count);
        }
        int kept = 0;
        for (int i = 0; i < list.Count; i++)
        {
            if (usePattern && !GlobMatcher.IsMatch(pattern, list[i].Member)) continue;
            list[kept++] = list[i];
        }
        _writer.WriteArrayHeader(2);
        Span<byte> digits = stackalloc byte[ScoreFormat.MaxLength];
        System.Buffers.Text.Utf8Formatter.TryFormat(cursor, digits, out int written);
        _writer.WriteBulk(digits.Slice(0, written));
        _writer.WriteArrayHeader(kept * 2);
        for (int i = 0; i < kept; i++)
        {
            var node = list[i];
            _writer.WriteBulk(node.Member);
            int len = listpack ? ScoreFormat.FormatD2String(node.Score, digits) : ScoreFormat.FormatG17(node.Score, digits);
            _writer.WriteBulk(digits.Slice(0, len));
        }
        ReturnZsetList(list);
    }
}
