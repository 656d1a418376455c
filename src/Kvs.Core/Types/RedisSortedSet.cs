using System.Numerics;
using System.Runtime.CompilerServices;
using Kvs.Core.Storage;

namespace Kvs.Core.Types;

/// <summary>
/// One element of a sorted set: at once a skip-list node (ordered by score, then member bytes)
/// and a node of the member hash table (chained through <see cref="BucketNext"/>).
/// <para>
/// Layout choice: Redis keeps a dict entry pointing at the skip-list node's score; here the node
/// itself is the hash-table entry, so an element costs one node, its level array and its member
/// bytes, and a lookup by member lands on the node (score, rank walk, unlink) with no second
/// structure to keep in step. Member arrays are never mutated once stored, so clones share them.
/// </para>
/// </summary>
public sealed class SortedSetNode
{
    public readonly byte[] Member;
    internal readonly uint Hash;
    internal SortedSetNode? Backward;
    internal SkipLevel[] Levels;
    internal SortedSetNode? BucketNext;

    internal SortedSetNode(byte[] member, uint hash, double score, int levels)
    {
        Member = member;
        Hash = hash;
        Score = score;
        Levels = new SkipLevel[levels];
    }

    public double Score { get; internal set; }

    /// <summary>The next element in ascending order, or null after the last.</summary>
    public SortedSetNode? Next
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Levels[0].Forward;
    }

    /// <summary>The previous element in ascending order, or null before the first.</summary>
    public SortedSetNode? Previous => Backward;
}

/// <summary>
/// One forward link of a skip-list node. <see cref="Span"/> is the number of level-0 steps the
/// link jumps over (Redis's zskiplistLevel.span): summing spans along a search path gives ranks.
/// A link to nothing keeps as span the number of elements after the node, as in Redis.
/// <para>
/// Layout choice: a .NET node and its level array are two objects, where Redis has one block.
/// To keep a search step at one cache miss, the link also carries the forward node's score and
/// level array: deciding whether to advance reads only the current array, and advancing loads
/// only the next array. The forward node object itself is touched only on score ties (member
/// comparison). Invariant: <see cref="ForwardScore"/> and <see cref="ForwardLevels"/> always
/// equal <c>Forward.Score</c> and <c>Forward.Levels</c>.
/// </para>
/// </summary>
internal struct SkipLevel
{
    public SortedSetNode? Forward;
    public SkipLevel[]? ForwardLevels;
    public double ForwardScore;
    public int Span;
}

/// <summary>A score interval: <c>min</c>/<c>max</c> with Redis's "(" exclusive flags (zrangespec).</summary>
public readonly struct ScoreRange(double min, double max, bool minExclusive, bool maxExclusive)
{
    public readonly double Min = min;
    public readonly double Max = max;
    public readonly bool MinExclusive = minExclusive;
    public readonly bool MaxExclusive = maxExclusive;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GteMin(double value) => MinExclusive ? value > Min : value >= Min;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool LteMax(double value) => MaxExclusive ? value < Max : value <= Max;

    /// <summary>Ranges that can hold nothing whatever the data (zslIsInRange's first test).</summary>
    public bool IsEmpty => Min > Max || (Min == Max && (MinExclusive || MaxExclusive));
}

/// <summary>How one end of a lexicographic range is bounded.</summary>
public enum LexBoundKind : byte
{
    /// <summary><c>[value</c></summary>
    Inclusive,
    /// <summary><c>(value</c></summary>
    Exclusive,
    /// <summary><c>-</c>: before every string.</summary>
    NegativeInfinity,
    /// <summary><c>+</c>: after every string.</summary>
    PositiveInfinity,
}

/// <summary>
/// A member range for the *BYLEX commands (zlexrangespec). The bounds are views of the command's
/// arguments; <c>-</c> and <c>+</c> are the special strings below and above everything, and count
/// as exclusive, exactly as Redis's shared minstring/maxstring do in its emptiness test.
/// </summary>
public readonly ref struct LexRange(ReadOnlySpan<byte> min, LexBoundKind minKind, ReadOnlySpan<byte> max, LexBoundKind maxKind)
{
    public readonly ReadOnlySpan<byte> Min = min;
    public readonly ReadOnlySpan<byte> Max = max;
    public readonly LexBoundKind MinKind = minKind;
    public readonly LexBoundKind MaxKind = maxKind;

    public bool GteMin(ReadOnlySpan<byte> member) => MinKind switch
    {
        LexBoundKind.NegativeInfinity => true,
        LexBoundKind.PositiveInfinity => false,
        LexBoundKind.Inclusive => member.SequenceCompareTo(Min) >= 0,
        _ => member.SequenceCompareTo(Min) > 0,
    };

    public bool LteMax(ReadOnlySpan<byte> member) => MaxKind switch
    {
        LexBoundKind.PositiveInfinity => true,
        LexBoundKind.NegativeInfinity => false,
        LexBoundKind.Inclusive => member.SequenceCompareTo(Max) <= 0,
        _ => member.SequenceCompareTo(Max) < 0,
    };

    /// <summary>Redis's sdscmplex(min, max) &gt; 0, or equal with an exclusive end: nothing can match.</summary>
    public bool IsEmpty
    {
        get
        {
            int cmp;
            bool minSpecial = MinKind >= LexBoundKind.NegativeInfinity;
            bool maxSpecial = MaxKind >= LexBoundKind.NegativeInfinity;
            if (minSpecial && maxSpecial && MinKind == MaxKind) cmp = 0;
            else if (MinKind == LexBoundKind.NegativeInfinity || MaxKind == LexBoundKind.PositiveInfinity) cmp = -1;
            else if (MinKind == LexBoundKind.PositiveInfinity || MaxKind == LexBoundKind.NegativeInfinity) cmp = 1;
            else cmp = Min.SequenceCompareTo(Max);
            bool anyExclusive = MinKind != LexBoundKind.Inclusive || MaxKind != LexBoundKind.Inclusive;
            return cmp > 0 || (cmp == 0 && anyExclusive);
        }
    }
}

/// <summary>
/// A Redis sorted set: a skip list with spans (Redis's zskiplist: ordered by score then member
/// bytes, rank of any element and element at any rank in O(log n)) plus a hash table from
/// member bytes to node for O(1) ZSCORE/ZADD lookups straight from a <c>ReadOnlySpan&lt;byte&gt;</c>.
/// <para>
/// The hash table is our own (power-of-two buckets, chaining through the nodes) rather than a
/// <c>Dictionary</c> so that ZSCAN can walk it with Redis's reverse-binary cursor, which keeps its
/// guarantee (every member present for the whole scan is returned) across resizes.
/// </para>
/// <para>
/// Redis stores small sorted sets as a listpack and reports "listpack" until the set first
/// exceeds zset-max-listpack-entries or gets a member longer than zset-max-listpack-value.
/// There is a single representation here; <see cref="IsListpack"/> only remembers which encoding
/// Redis would report, and makes the few observable listpack behaviours (linear lex-range scans,
/// -0 stored as 0, ZSCAN in one call) follow it. The command layer maintains it.
/// </para>
/// </summary>
public sealed class RedisSortedSet
{
    /// <summary>Redis's ZSKIPLIST_MAXLEVEL.</summary>
    public const int MaxLevel = 32;
    private const int MinBuckets = 4;

    /// <summary>Sentinel before the first element; its level array grows with the tallest node.</summary>
    private readonly SortedSetNode _header = new(Array.Empty<byte>(), 0, 0, 4);
    private SortedSetNode? _tail;
    private int _level = 1;
    private int _count;
    private SortedSetNode?[] _buckets = new SortedSetNode?[MinBuckets];

    public int Count => _count;

    /// <summary>True while Redis would still use its compact listpack encoding (see the class summary).</summary>
    public bool IsListpack { get; set; } = true;

    /// <summary>The lowest element (score, then member), or null when empty.</summary>
    public SortedSetNode? First => _header.Levels[0].Forward;

    /// <summary>The highest element, or null when empty.</summary>
    public SortedSetNode? Last => _tail;

    /// <summary>Number of hash buckets, for tests of the scan cursor.</summary>
    internal int BucketCount => _buckets.Length;

    // ------------------------------------------------------------------ lookups

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint HashMember(ReadOnlySpan<byte> member) => KeyHash.Compute(member);

    public SortedSetNode? Find(ReadOnlySpan<byte> member) => Find(member, HashMember(member));

    public SortedSetNode? Find(ReadOnlySpan<byte> member, uint hash)
    {
        var buckets = _buckets;
        for (var n = buckets[hash & (uint)(buckets.Length - 1)]; n != null; n = n.BucketNext)
        {
            if (n.Hash == hash && member.SequenceEqual(n.Member)) return n;
        }
        return null;
    }

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score)
    {
        var node = Find(member);
        score = node?.Score ?? 0;
        return node != null;
    }

    public bool Contains(ReadOnlySpan<byte> member) => Find(member) != null;

    // ------------------------------------------------------------------ ordering

    /// <summary>True when the link's forward node sorts strictly before (score, member).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ForwardPrecedes(in SkipLevel link, double score, ReadOnlySpan<byte> member) =>
        link.ForwardScore < score || (link.ForwardScore == score && link.Forward!.Member.AsSpan().SequenceCompareTo(member) < 0);

    /// <summary>True when the link's forward node sorts before or at (score, member).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ForwardPrecedesOrEquals(in SkipLevel link, double score, ReadOnlySpan<byte> member) =>
        link.ForwardScore < score || (link.ForwardScore == score && link.Forward!.Member.AsSpan().SequenceCompareTo(member) <= 0);

    /// <summary>
    /// Redis's zslRandomLevel: each extra level with probability 1/4. Two random bits per level,
    /// taken from one 64-bit draw (its trailing zero pairs), capped at <see cref="MaxLevel"/>.
    /// </summary>
    private static int RandomLevel()
    {
        ulong bits = (ulong)Random.Shared.NextInt64() | (1UL << 63);
        int level = 1 + BitOperations.TrailingZeroCount(bits) / 2;
        return Math.Min(level, MaxLevel);
    }

    /// <summary>Search path: for each level, the last node before the target (Redis's update[]).</summary>
    [InlineArray(MaxLevel)]
    private struct PathBuffer
    {
        private SortedSetNode? _element;
    }

    private void EnsureHeaderLevels(int levels)
    {
        if (_header.Levels.Length >= levels) return;
        var grown = new SkipLevel[Math.Max(levels, Math.Min(MaxLevel, _header.Levels.Length * 2))];
        Array.Copy(_header.Levels, grown, _header.Levels.Length);
        _header.Levels = grown;
    }

    // ------------------------------------------------------------------ writes

    /// <summary>Adds a member known to be absent; the set keeps <paramref name="member"/> (not copied).</summary>
    public SortedSetNode Insert(double score, byte[] member) => Insert(score, member, HashMember(member));

    /// <summary>Adds a member known to be absent, copying its bytes.</summary>
    public SortedSetNode Insert(double score, ReadOnlySpan<byte> member) => Insert(score, member.ToArray());

    /// <summary>Adds a member known to be absent, with its precomputed <see cref="HashMember"/>.</summary>
    public SortedSetNode Insert(double score, byte[] member, uint hash)
    {
        var node = new SortedSetNode(member, hash, score, RandomLevel());
        Link(node);
        AddToTable(node);
        return node;
    }

    /// <summary>zslInsert: links a node (its level array already sized) at its place in the list.</summary>
    private void Link(SortedSetNode node)
    {
        PathBuffer update = default;
        Span<int> rank = stackalloc int[MaxLevel];
        double score = node.Score;
        ReadOnlySpan<byte> member = node.Member;
        var x = _header;
        var levels = x.Levels;
        for (int i = _level - 1; i >= 0; i--)
        {
            rank[i] = i == _level - 1 ? 0 : rank[i + 1];
            while (true)
            {
                ref var link = ref levels[i];
                if (link.Forward == null || !ForwardPrecedes(link, score, member)) break;
                rank[i] += link.Span;
                x = link.Forward;
                levels = link.ForwardLevels!;
            }
            update[i] = x;
        }
        int level = node.Levels.Length;
        if (level > _level)
        {
            EnsureHeaderLevels(level);
            for (int i = _level; i < level; i++)
            {
                rank[i] = 0;
                update[i] = _header;
                _header.Levels[i].Span = _count;
            }
            _level = level;
        }
        for (int i = 0; i < level; i++)
        {
            ref var prev = ref update[i]!.Levels[i];
            ref var mine = ref node.Levels[i];
            mine.Forward = prev.Forward;
            mine.ForwardLevels = prev.ForwardLevels;
            mine.ForwardScore = prev.ForwardScore;
            mine.Span = prev.Span - (rank[0] - rank[i]);
            prev.Forward = node;
            prev.ForwardLevels = node.Levels;
            prev.ForwardScore = score;
            prev.Span = rank[0] - rank[i] + 1;
        }
        for (int i = level; i < _level; i++) update[i]!.Levels[i].Span++;
        node.Backward = ReferenceEquals(update[0], _header) ? null : update[0];
        var next = node.Levels[0].Forward;
        if (next != null) next.Backward = node;
        else _tail = node;
        _count++;
    }

    /// <summary>Fills <paramref name="update"/> with the search path to an element that is in the list.</summary>
    private void FindPath(double score, ReadOnlySpan<byte> member, ref PathBuffer update)
    {
        var x = _header;
        var levels = x.Levels;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref var link = ref levels[i];
                if (link.Forward == null || !ForwardPrecedes(link, score, member)) break;
                x = link.Forward;
                levels = link.ForwardLevels!;
            }
            update[i] = x;
        }
    }

    /// <summary>zslDeleteNode: unlinks <paramref name="node"/> given its search path.</summary>
    private void Unlink(SortedSetNode node, ref PathBuffer update)
    {
        for (int i = 0; i < _level; i++)
        {
            ref var prev = ref update[i]!.Levels[i];
            if (ReferenceEquals(prev.Forward, node))
            {
                ref var mine = ref node.Levels[i];
                prev.Span += mine.Span - 1;
                prev.Forward = mine.Forward;
                prev.ForwardLevels = mine.ForwardLevels;
                prev.ForwardScore = mine.ForwardScore;
            }
            else
            {
                prev.Span--;
            }
        }
        var next = node.Levels[0].Forward;
        if (next != null) next.Backward = node.Backward;
        else _tail = node.Backward;
        while (_level > 1 && _header.Levels[_level - 1].Forward == null) _level--;
        _count--;
    }

    /// <summary>Removes an element of this set.</summary>
    public void Remove(SortedSetNode node)
    {
        PathBuffer update = default;
        FindPath(node.Score, node.Member, ref update);
        Unlink(node, ref update);
        RemoveFromTable(node);
    }

    /// <summary>Removes a member if present.</summary>
    public bool Remove(ReadOnlySpan<byte> member)
    {
        var node = Find(member);
        if (node == null) return false;
        Remove(node);
        return true;
    }

    /// <summary>
    /// Changes an element's score (zslUpdateScore): in place when the node stays between its
    /// neighbours (the links into it learn the new score), else unlinked and relinked with its
    /// own level array, so nothing is allocated.
    /// </summary>
    public void UpdateScore(SortedSetNode node, double newScore)
    {
        PathBuffer update = default;
        FindPath(node.Score, node.Member, ref update);
        var prev = node.Backward;
        var next = node.Levels[0].Forward;
        if ((prev == null || prev.Score < newScore) && (next == null || next.Score > newScore))
        {
            node.Score = newScore;
            for (int i = 0; i < node.Levels.Length; i++) update[i]!.Levels[i].ForwardScore = newScore;
            return;
        }
        Unlink(node, ref update);
        node.Score = newScore;
        Link(node);
    }

    /// <summary>Empties the set.</summary>
    public void Clear()
    {
        _header.Levels = new SkipLevel[4];
        _level = 1;
        _tail = null;
        _count = 0;
        _buckets = new SortedSetNode?[MinBuckets];
    }

    // ------------------------------------------------------------------ ranks

    /// <summary>The 0-based rank of an element of this set (ascending order).</summary>
    public int GetRank(SortedSetNode node)
    {
        double score = node.Score;
        ReadOnlySpan<byte> member = node.Member;
        int rank = 0;
        var x = _header;
        var levels = x.Levels;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref var link = ref levels[i];
                if (link.Forward == null || !ForwardPrecedesOrEquals(link, score, member)) break;
                rank += link.Span;
                x = link.Forward;
                levels = link.ForwardLevels!;
            }
            if (ReferenceEquals(x, node)) return rank - 1;
        }
        throw new InvalidOperationException("The node is not an element of this sorted set.");
    }

    /// <summary>The element at a 0-based rank, or null when out of range.</summary>
    public SortedSetNode? GetByRank(int rank)
    {
        if ((uint)rank >= (uint)_count) return null;
        int target = rank + 1;
        int traversed = 0;
        var x = _header;
        var levels = x.Levels;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref var link = ref levels[i];
                if (link.Forward == null || traversed + link.Span > target) break;
                traversed += link.Span;
                x = link.Forward;
                levels = link.ForwardLevels!;
            }
            if (traversed == target) return x;
        }
        return null;
    }

    // ------------------------------------------------------------------ score ranges

    /// <summary>zslIsInRange: whether some element may fall in the range (checks only the ends).</summary>
    private bool MayHoldRange(in ScoreRange range)
    {
        if (range.IsEmpty) return false;
        var last = _tail;
        if (last == null || !range.GteMin(last.Score)) return false;
        var first = _header.Levels[0].Forward;
        return first != null && range.LteMax(first.Score);
    }

    /// <summary>The first element whose score is in the range, or null.</summary>
    public SortedSetNode? FirstInRange(in ScoreRange range)
    {
        if (!MayHoldRange(range)) return null;
        var levels = _header.Levels;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref var link = ref levels[i];
                if (link.Forward == null || range.GteMin(link.ForwardScore)) break;
                levels = link.ForwardLevels!;
            }
        }
        var first = levels[0].Forward!;
        return range.LteMax(first.Score) ? first : null;
    }

    /// <summary>The last element whose score is in the range, or null.</summary>
    public SortedSetNode? LastInRange(in ScoreRange range)
    {
        if (!MayHoldRange(range)) return null;
        var x = _header;
        var levels = x.Levels;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref var link = ref levels[i];
                if (link.Forward == null || !range.LteMax(link.ForwardScore)) break;
                x = link.Forward;
                levels = link.ForwardLevels!;
            }
        }
        return range.GteMin(x.Score) ? x : null;
    }

    /// <summary>Number of elements whose score is in the range (by ranks: O(log n)).</summary>
    public int CountInRange(in ScoreRange range)
    {
        var first = FirstInRange(range);
        if (first == null) return 0;
        var last = LastInRange(range)!;
        return GetRank(last) - GetRank(first) + 1;
    }

    /// <summary>zslDeleteRangeByScore: removes every element whose score is in the range; returns how many.</summary>
    public int RemoveRangeByScore(in ScoreRange range)
    {
        PathBuffer update = default;
        var x = _header;
        var levels = x.Levels;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref var link = ref levels[i];
                if (link.Forward == null || range.GteMin(link.ForwardScore)) break;
                x = link.Forward;
                levels = link.ForwardLevels!;
            }
            update[i] = x;
        }
        int removed = 0;
        var node = levels[0].Forward;
        while (node != null && range.LteMax(node.Score))
        {
            var next = node.Levels[0].Forward;
            Unlink(node, ref update);
            RemoveFromTable(node);
            removed++;
            node = next;
        }
        return removed;
    }

    // ------------------------------------------------------------------ lex ranges

    /// <summary>zslIsInLexRange: whether some element may fall in the range (checks only the ends).</summary>
    private bool MayHoldLexRange(in LexRange range)
    {
        if (range.IsEmpty) return false;
        var last = _tail;
        if (last == null || !range.GteMin(last.Member)) return false;
        var first = _header.Levels[0].Forward;
        return first != null && range.LteMax(first.Member);
    }

    /// <summary>
    /// The first element in the lex range, or null. Lex ranges are meant for sets whose scores are
    /// all equal; for other sets Redis's answer depends on its encoding, so a listpack-sized set is
    /// scanned from the head like zzlFirstInLexRange and a larger one is searched like the skip list.
    /// </summary>
    public SortedSetNode? FirstInLexRange(in LexRange range)
    {
        if (!MayHoldLexRange(range)) return null;
        SortedSetNode? first;
        if (IsListpack)
        {
            first = _header.Levels[0].Forward;
            while (first != null && !range.GteMin(first.Member)) first = first.Levels[0].Forward;
            if (first == null) return null;
        }
        else
        {
            var x = _header;
            for (int i = _level - 1; i >= 0; i--)
            {
                while (true)
                {
                    var f = x.Levels[i].Forward;
                    if (f == null || range.GteMin(f.Member)) break;
                    x = f;
                }
            }
            first = x.Levels[0].Forward!;
        }
        return range.LteMax(first.Member) ? first : null;
    }

    /// <summary>The last element in the lex range, or null (see <see cref="FirstInLexRange"/>).</summary>
    public SortedSetNode? LastInLexRange(in LexRange range)
    {
        if (!MayHoldLexRange(range)) return null;
        SortedSetNode? last;
        if (IsListpack)
        {
            last = _tail;
            while (last != null && !range.LteMax(last.Member)) last = last.Backward;
            if (last == null) return null;
        }
        else
        {
            var x = _header;
            for (int i = _level - 1; i >= 0; i--)
            {
                while (true)
                {
                    var f = x.Levels[i].Forward;
                    if (f == null || !range.LteMax(f.Member)) break;
                    x = f;
                }
            }
            last = x;
        }
        return range.GteMin(last.Member) ? last : null;
    }

    /// <summary>
    /// ZLEXCOUNT: a listpack-sized set counts forward from the first match while members stay
    /// below max (zzl path); a larger one subtracts ranks (zsl path). Equal for equal scores.
    /// </summary>
    public int CountInLexRange(in LexRange range)
    {
        var first = FirstInLexRange(range);
        if (first == null) return 0;
        if (IsListpack)
        {
            int n = 0;
            for (var x = first; x != null && range.LteMax(x.Member); x = x.Levels[0].Forward) n++;
            return n;
        }
        var last = LastInLexRange(range);
        return last == null ? 0 : GetRank(last) - GetRank(first) + 1;
    }

    /// <summary>Removes the run of elements that starts at the first match and stays below max; returns how many.</summary>
    public int RemoveRangeByLex(in LexRange range)
    {
        var node = FirstInLexRange(range);
        if (node == null) return 0;
        PathBuffer update = default;
        FindPath(node.Score, node.Member, ref update);
        int removed = 0;
        while (node != null && range.LteMax(node.Member))
        {
            var next = node.Levels[0].Forward;
            Unlink(node, ref update);
            RemoveFromTable(node);
            removed++;
            node = next;
        }
        return removed;
    }

    /// <summary>Removes the elements at 0-based ranks <paramref name="start"/>..<paramref name="end"/> inclusive.</summary>
    public int RemoveRangeByRank(int start, int end)
    {
        if (start < 0) start = 0;
        if (end >= _count) end = _count - 1;
        if (start > end) return 0;
        PathBuffer update = default;
        int traversed = 0;
        var x = _header;
        var levels = x.Levels;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (true)
            {
                ref var link = ref levels[i];
                if (link.Forward == null || traversed + link.Span > start) break;
                traversed += link.Span;
                x = link.Forward;
                levels = link.ForwardLevels!;
            }
            update[i] = x;
        }
        int removed = 0;
        var node = levels[0].Forward;
        for (int r = start; node != null && r <= end; r++)
        {
            var next = node.Levels[0].Forward;
            Unlink(node, ref update);
            RemoveFromTable(node);
            removed++;
            node = next;
        }
        return removed;
    }

    // ------------------------------------------------------------------ hash table

    private void AddToTable(SortedSetNode node)
    {
        if (_count > _buckets.Length) Resize(_buckets.Length * 2);
        ref var head = ref _buckets[node.Hash & (uint)(_buckets.Length - 1)];
        node.BucketNext = head;
        head = node;
    }

    private void RemoveFromTable(SortedSetNode node)
    {
        ref var link = ref _buckets[node.Hash & (uint)(_buckets.Length - 1)];
        while (link != null)
        {
            if (ReferenceEquals(link, node))
            {
                link = node.BucketNext;
                node.BucketNext = null;
                if (_buckets.Length > MinBuckets && _count < _buckets.Length / 8) Resize(_buckets.Length / 2);
                return;
            }
            link = ref link.BucketNext;
        }
    }

    private void Resize(int size)
    {
        var buckets = new SortedSetNode?[size];
        uint mask = (uint)size - 1;
        foreach (var head in _buckets)
        {
            var n = head;
            while (n != null)
            {
                var next = n.BucketNext;
                ref var slot = ref buckets[n.Hash & mask];
                n.BucketNext = slot;
                slot = n;
                n = next;
            }
        }
        _buckets = buckets;
    }

    /// <summary>
    /// ZSCAN step: adds the elements of the bucket at <paramref name="cursor"/> and returns the
    /// next cursor (0 when done), in Redis's reverse-binary order so a resize between two calls
    /// never skips an element that stayed in the set.
    /// </summary>
    public ulong ScanBucket(ulong cursor, List<SortedSetNode> into)
    {
        var buckets = _buckets;
        ulong mask = (ulong)buckets.Length - 1;
        for (var n = buckets[cursor & mask]; n != null; n = n.BucketNext) into.Add(n);
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
    }

    // ------------------------------------------------------------------ copies

    /// <summary>A deep copy (COPY, retained history versions); member arrays are immutable and shared.</summary>
    public RedisSortedSet Clone()
    {
        var copy = new RedisSortedSet { IsListpack = IsListpack };
        for (var n = First; n != null; n = n.Next) copy.Insert(n.Score, n.Member, n.Hash);
        return copy;
    }
}
