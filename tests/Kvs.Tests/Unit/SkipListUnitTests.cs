using System.Globalization;
using System.Text;
using Kvs.Core.Types;
using Kvs.Resp.Protocol;
using Xunit;

namespace Kvs.Tests.Unit;

/// <summary>
/// <see cref="RedisSortedSet"/> against a plain sorted model: random inserts, score updates,
/// removals and range removals, with ranks, rank lookups, score and lex ranges, the member table
/// and the scan cursor checked against the model along the way.
/// </summary>
public sealed class SkipListUnitTests
{
    private sealed record Element(double Score, byte[] Member);

    private static int CompareElements(Element a, Element b)
    {
        int c = a.Score.CompareTo(b.Score);
        return c != 0 ? c : a.Member.AsSpan().SequenceCompareTo(b.Member);
    }

    private static byte[] RandomMember(Random random, int alphabet)
    {
        int length = random.Next(0, 6);
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)('a' + random.Next(alphabet));
        return bytes;
    }

    /// <summary>Scores drawn from a small set so that ties (ordered by member) are frequent.</summary>
    private static double RandomScore(Random random) => random.Next(8) switch
    {
        0 => double.NegativeInfinity,
        1 => double.PositiveInfinity,
        2 => random.Next(-3, 4) + 0.5,
        _ => random.Next(-5, 6),
    };

    private static void AssertMatchesModel(RedisSortedSet set, List<Element> model, Random random)
    {
        Assert.Equal(model.Count, set.Count);
        int i = 0;
        for (var n = set.First; n != null; n = n.Next, i++)
        {
            Assert.Equal(model[i].Score, n.Score);
            Assert.Equal(model[i].Member, n.Member);
            Assert.Equal(i, set.GetRank(n));
            Assert.Same(n, set.GetByRank(i));
            Assert.Same(n, set.Find(n.Member));
        }
        Assert.Equal(model.Count, i);
        i = model.Count - 1;
        for (var n = set.Last; n != null; n = n.Previous, i--) Assert.Equal(model[i].Member, n.Member);
        Assert.Equal(-1, i);
        Assert.Null(set.GetByRank(model.Count));
        Assert.Null(set.GetByRank(-1));

        for (int probe = 0; probe < 10; probe++)
        {
            double a = RandomScore(random), b = RandomScore(random);
            var range = new ScoreRange(a, b, random.Next(2) == 0, random.Next(2) == 0);
            var inRange = model.Where(e => range.GteMin(e.Score) && range.LteMax(e.Score)).ToList();
            Assert.Equal(inRange.Count, set.CountInRange(range));
            Assert.Equal(inRange.FirstOrDefault()?.Member, set.FirstInRange(range)?.Member);
            Assert.Equal(inRange.LastOrDefault()?.Member, set.LastInRange(range)?.Member);
        }
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 26)]
    [InlineData(3, 6)]
    public void RandomOperationsMatchASortedModel(int seed, int alphabet)
    {
        var random = new Random(seed);
        var set = new RedisSortedSet { IsListpack = false };
        var model = new List<Element>();
        for (int step = 0; step < 3000; step++)
        {
            var member = RandomMember(random, alphabet);
            int existing = model.FindIndex(e => e.Member.AsSpan().SequenceEqual(member));
            int action = random.Next(100);
            if (action < 50)
            {
                double score = RandomScore(random);
                if (existing < 0)
                {
                    set.Insert(score, member);
                }
                else
                {
                    set.UpdateScore(set.Find(member)!, score);
                    model.RemoveAt(existing);
                }
                model.Add(new Element(score, member));
                model.Sort(CompareElements);
            }
            else if (action < 75)
            {
                Assert.Equal(existing >= 0, set.Remove(member));
                if (existing >= 0) model.RemoveAt(existing);
            }
            else if (action < 80 && model.Count > 0)
            {
                int start = random.Next(model.Count), end = start + random.Next(4);
                int expected = Math.Min(end, model.Count - 1) - start + 1;
                Assert.Equal(expected, set.RemoveRangeByRank(start, end));
                model.RemoveRange(start, expected);
            }
            else if (action < 84)
            {
                var range = new ScoreRange(RandomScore(random), RandomScore(random), random.Next(2) == 0, random.Next(2) == 0);
                int expected = model.RemoveAll(e => range.GteMin(e.Score) && range.LteMax(e.Score));
                Assert.Equal(expected, set.RemoveRangeByScore(range));
            }
            else if (existing >= 0)
            {
                var node = set.Find(member)!;
                Assert.Equal(existing, set.GetRank(node));
                Assert.Equal(model[existing].Score, node.Score);
            }
            if (step % 100 == 0) AssertMatchesModel(set, model, random);
        }
        AssertMatchesModel(set, model, random);
        var clone = set.Clone();
        AssertMatchesModel(clone, model, random);
        clone.Remove(clone.First!);
        Assert.Equal(model.Count, set.Count);
    }

    [Fact]
    public void LexRangesOnEqualScoresMatchTheModelInBothEncodings()
    {
        var random = new Random(7);
        foreach (bool listpack in new[] { true, false })
        {
            var set = new RedisSortedSet { IsListpack = listpack };
            var members = new SortedSet<string>(StringComparer.Ordinal);
            while (members.Count < 200) members.Add(Encoding.ASCII.GetString(RandomMember(random, 5)));
            foreach (var m in members) set.Insert(0, Encoding.ASCII.GetBytes(m));
            var all = members.ToList();
            string[] bounds = ["-", "+", "[", "(", "[a", "(a", "[ab", "(ab", "[c", "(c", "[eee", "(eeee", "[b", "(ba"];
            foreach (var lo in bounds)
            {
                foreach (var hi in bounds)
                {
                    var range = Parse(lo, hi);
                    var expected = all.Where(m => InLex(m, lo, true) && InLex(m, hi, false)).ToList();
                    Assert.Equal(expected.Count, set.CountInLexRange(range));
                    Assert.Equal(expected.FirstOrDefault(), Text(set.FirstInLexRange(range)));
                    Assert.Equal(expected.LastOrDefault(), Text(set.LastInLexRange(range)));
                }
            }
            var remove = Parse("[b", "(d");
            int removed = set.RemoveRangeByLex(remove);
            Assert.Equal(all.Count(m => string.CompareOrdinal(m, "b") >= 0 && string.CompareOrdinal(m, "d") < 0), removed);
            for (var n = set.First; n != null; n = n.Next)
            {
                string m = Encoding.ASCII.GetString(n.Member);
                Assert.False(string.CompareOrdinal(m, "b") >= 0 && string.CompareOrdinal(m, "d") < 0);
            }
        }

        static string? Text(SortedSetNode? n) => n == null ? null : Encoding.ASCII.GetString(n.Member);

        static LexRange Parse(string lo, string hi) => new(
            Encoding.ASCII.GetBytes(lo.Length > 1 ? lo[1..] : ""), Kind(lo),
            Encoding.ASCII.GetBytes(hi.Length > 1 ? hi[1..] : ""), Kind(hi));

        static LexBoundKind Kind(string b) => b[0] switch
        {
            '-' => LexBoundKind.NegativeInfinity,
            '+' => LexBoundKind.PositiveInfinity,
            '(' => LexBoundKind.Exclusive,
            _ => LexBoundKind.Inclusive,
        };

        static bool InLex(string m, string bound, bool isMin)
        {
            if (bound == "-") return !isMin ? false : true;
            if (bound == "+") return isMin ? false : true;
            int c = string.CompareOrdinal(m, bound[1..]);
            bool exclusive = bound[0] == '(';
            return isMin ? (exclusive ? c > 0 : c >= 0) : (exclusive ? c < 0 : c <= 0);
        }
    }

    [Fact]
    public void ScanCursorReturnsEveryMemberAcrossResizes()
    {
        var set = new RedisSortedSet { IsListpack = false };
        for (int i = 0; i < 1000; i++) set.Insert(i, Encoding.ASCII.GetBytes("m" + i));
        var seen = new HashSet<string>();
        var batch = new List<SortedSetNode>();
        ulong cursor = 0;
        int calls = 0;
        do
        {
            batch.Clear();
            for (int k = 0; k < 8 && (k == 0 || cursor != 0); k++) cursor = set.ScanBucket(cursor, batch);
            foreach (var n in batch) seen.Add(Encoding.ASCII.GetString(n.Member));
            calls++;
            // Shrink and grow the table between calls: members 0..99 stay throughout.
            if (calls == 20)
            {
                int before = set.BucketCount;
                for (int i = 100; i < 1000; i++) set.Remove(Encoding.ASCII.GetBytes("m" + i));
                Assert.True(set.BucketCount < before);
            }
            if (calls == 40) for (int i = 1000; i < 3000; i++) set.Insert(i, Encoding.ASCII.GetBytes("m" + i));
        }
        while (cursor != 0 && calls < 100000);
        for (int i = 0; i < 100; i++) Assert.Contains("m" + i, seen);
    }

    [Fact]
    public void UpdateScoreKeepsTheNodeAndReordersIt()
    {
        var set = new RedisSortedSet();
        var a = set.Insert(1, "a"u8);
        set.Insert(2, "b"u8);
        set.Insert(3, "c"u8);
        set.UpdateScore(a, 2.5);
        Assert.Same(a, set.Find("a"u8));
        Assert.Equal(1, set.GetRank(a));
        set.UpdateScore(a, 10);
        Assert.Same(a, set.Last);
        Assert.Equal(2, set.GetRank(a));
        set.UpdateScore(a, 2);
        Assert.Equal(0, set.GetRank(a)); // ties ordered by member: "a" < "b"
    }

    [Fact]
    public void ScoreFormatMatchesTheReplyFormatter()
    {
        var random = new Random(11);
        Span<byte> buffer = stackalloc byte[ScoreFormat.MaxLength];
        var values = new List<double> { 0.0, -0.0, 1.1, 0.1, 1e20, 3, 2.5e-7, 1e-5, 1e-4, 123456789012345678.0, 1e16, 1e17, double.Epsilon, double.MaxValue, -double.MinValue, 5e-324, 0.3 };
        for (int i = 0; i < 3000; i++)
        {
            values.Add(BitConverter.Int64BitsToDouble(random.NextInt64()));
            values.Add(random.Next(-1000000, 1000000) / Math.Pow(10, random.Next(0, 25)));
        }
        foreach (double v in values)
        {
            if (double.IsNaN(v) || double.IsInfinity(v)) continue;
            int n = ScoreFormat.FormatG17(v, buffer);
            Assert.Equal(RespWriter.FormatG17(v), Encoding.ASCII.GetString(buffer.Slice(0, n)));
        }
        Assert.Equal("inf", Format(double.PositiveInfinity));
        Assert.Equal("-inf", Format(double.NegativeInfinity));
        Assert.Equal("1.1000000000000001", Format(1.1));
        Assert.Equal("2.4999999999999999e-07", Format(2.5e-7));
        Assert.Equal("1e+20", Format(1e20));
        Assert.Equal("100000000000000000", D2String(1e17));
        Assert.Equal("4611686018427387904", D2String(4611686018427387904.0));
        Assert.Equal("9.2233720368547758e+18", D2String(9223372036854775807.0));
        Assert.Equal("-5", D2String(-5));
        Assert.Equal("1.5", D2String(1.5));

        static string Format(double v)
        {
            Span<byte> b = stackalloc byte[ScoreFormat.MaxLength];
            return Encoding.ASCII.GetString(b.Slice(0, ScoreFormat.FormatG17(v, b)));
        }

        static string D2String(double v)
        {
            Span<byte> b = stackalloc byte[ScoreFormat.MaxLength];
            return Encoding.ASCII.GetString(b.Slice(0, ScoreFormat.FormatD2String(v, b)));
        }
    }

    [Theory]
    [InlineData("1.5", true, 1.5)]
    [InlineData("-inf", true, double.NegativeInfinity)]
    [InlineData("+Infinity", true, double.PositiveInfinity)]
    [InlineData("0x10", true, 16.0)]
    [InlineData("0x1.8p1", true, 3.0)]
    [InlineData("-0x.8", true, -0.5)]
    [InlineData("1e-320", true, 1e-320)]
    [InlineData(".5", true, 0.5)]
    [InlineData("5.", true, 5.0)]
    [InlineData("1e400", false, 0)]
    [InlineData("1e-400", false, 0)]
    [InlineData("0e-400", true, 0)]
    [InlineData("nan", false, 0)]
    [InlineData(" 1", false, 0)]
    [InlineData("1 ", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("1e", false, 0)]
    [InlineData("0x", false, 0)]
    [InlineData(".", false, 0)]
    public void StrictDoubleParsingFollowsGetDoubleFromObject(string text, bool ok, double expected)
    {
        Assert.Equal(ok, Strtod.TryParseStrict(Encoding.ASCII.GetBytes(text), out double value));
        if (ok) Assert.Equal(expected.ToString("R", CultureInfo.InvariantCulture), value.ToString("R", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("", true, 0)]
    [InlineData(" 1", true, 1)]
    [InlineData("1 ", false, 0)]
    [InlineData("1e400", true, double.PositiveInfinity)]
    [InlineData("1e", false, 0)]
    [InlineData("1\0junk", true, 1)]
    [InlineData("nan", false, 0)]
    public void RangeValueParsingFollowsZslParseRange(string text, bool ok, double expected)
    {
        Assert.Equal(ok, Strtod.TryParseRangeValue(Encoding.ASCII.GetBytes(text), out double value));
        if (ok) Assert.Equal(expected, value);
    }
}
