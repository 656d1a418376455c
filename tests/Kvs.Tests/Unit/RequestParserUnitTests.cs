using System.Diagnostics;
using System.Text;
using Kvs.Resp.Protocol;
using Xunit;

namespace Kvs.Tests.Unit;

/// <summary>
/// The request parser on its own, fed the way the session feeds it: always from the current
/// command's first byte, with more bytes appended after <see cref="ParseStatus.NeedMore"/> (and
/// the kept bytes copied to a new buffer, as the session does when it gathers a split command).
/// Expected error texts were taken from redis-server 7.0.15.
/// </summary>
public sealed class RequestParserUnitTests
{
    /// <summary>What a byte stream parses into: the commands, then how it ended.</summary>
    internal sealed record Outcome(List<string[]> Commands, string End)
    {
        public override string ToString() => string.Join(" | ", Commands.Select(c => string.Join(" ", c.Select(Show)))) + " => " + End;

        public bool SameAs(Outcome other) =>
            End == other.End && Commands.Count == other.Commands.Count &&
            Commands.Zip(other.Commands).All(p => p.First.SequenceEqual(p.Second));
    }

    internal static string Show(string s) => s.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\0");

    /// <summary>
    /// Feeds <paramref name="input"/> in the given chunks and collects commands (arguments as
    /// Latin-1 strings, one char per byte). End is "error: message", "incomplete" (bytes kept
    /// for a command still in progress) or "done". Every step is checked: a command consumes at
    /// least one byte and no more than it was given, and the parser never keeps more state than
    /// the 64 KB line limit and the widest command allow.
    /// </summary>
    internal static Outcome Feed(RequestParser parser, byte[] input, IEnumerable<int> chunkSizes)
    {
        var commands = new List<string[]>();
        byte[] kept = Array.Empty<byte>();
        int offset = 0;
        foreach (int size in chunkSizes)
        {
            int n = Math.Min(size, input.Length - offset);
            if (n <= 0) break;
            // A new buffer each time: the parser must rely on offsets only, never on addresses.
            var buffer = new byte[kept.Length + n];
            kept.CopyTo(buffer, 0);
            Array.Copy(input, offset, buffer, kept.Length, n);
            offset += n;
            int start = 0;
            while (start < buffer.Length)
            {
                var span = buffer.AsSpan(start);
                var status = parser.Parse(span, out int consumed);
                if (status == ParseStatus.Error)
                {
                    Assert.StartsWith("Protocol error: ", parser.Error);
                    return new Outcome(commands, "error: " + parser.Error);
                }
                if (status == ParseStatus.NeedMore)
                {
                    Assert.Equal(0, consumed);
                    break;
                }
                Assert.InRange(consumed, 1, span.Length);
                if (status == ParseStatus.Command)
                {
                    var args = parser.GetArgs(span);
                    Assert.True(args.Count > 0);
                    var strings = new string[args.Count];
                    for (int i = 0; i < args.Count; i++) strings[i] = Encoding.Latin1.GetString(args[i]);
                    commands.Add(strings);
                }
                parser.Reset();
                Assert.False(parser.InProgress);
                Assert.True(parser.RetainedBytes <= RequestParser.InlineMaxSize + 8 * 1024 + 4096, $"parser keeps {parser.RetainedBytes} bytes");
                start += consumed;
            }
            kept = buffer.AsSpan(start).ToArray();
        }
        return new Outcome(commands, kept.Length == 0 && !parser.InProgress ? "done" : "incomplete");
    }

    internal static Outcome ParseWhole(byte[] input, bool unauthenticated = false, long protoMaxBulkLen = 512L * 1024 * 1024) =>
        Feed(new RequestParser { Unauthenticated = unauthenticated, ProtoMaxBulkLen = protoMaxBulkLen }, input, new[] { input.Length });

    internal static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    private static IEnumerable<int> Ones() { while (true) yield return 1; }

    private static IEnumerable<int> RandomChunks(Random rng, int max) { while (true) yield return rng.Next(1, max + 1); }

    // ------------------------------------------------------------------ protocol errors

    [Theory]
    [InlineData("*abc\r\n", "invalid multibulk length")]
    [InlineData("*\r\n", "invalid multibulk length")]
    [InlineData("* 1\r\n", "invalid multibulk length")]
    [InlineData("*1 \r\n", "invalid multibulk length")]
    [InlineData("*+1\r\n", "invalid multibulk length")]
    [InlineData("*01\r\n", "invalid multibulk length")]
    [InlineData("*3000000000\r\n", "invalid multibulk length")]
    [InlineData("*99999999999999999999\r\n", "invalid multibulk length")]
    [InlineData("*1\r\nx\r\n", "expected '$', got 'x'")]
    [InlineData("*1\r\n\r\n", "expected '$', got '\r'")]
    [InlineData("*1\r\n\u00ff\r\n", "expected '$', got '\u00ff'")]
    [InlineData("*2\r\n$3\r\nGET\r\n:1\r\n", "expected '$', got ':'")]
    [InlineData("*1\r\n$-1\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$abc\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$+1\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$01\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$536870913\r\n", "invalid bulk length")]
    [InlineData("SET a \"b\r\n", "unbalanced quotes in request")]
    [InlineData("SET a 'b\r\n", "unbalanced quotes in request")]
    [InlineData("SET a \"b\"c\r\n", "unbalanced quotes in request")]
    [InlineData("SET a 'b'c\r\n", "unbalanced quotes in request")]
    [InlineData("ECHO 'a\\\\'\r\n", "unbalanced quotes in request")]
    [InlineData("ECHO \"abc\\\"\r\n", "unbalanced quotes in request")]
    public void MalformedInputGetsRedisErrorText(string input, string expected)
    {
        var outcome = ParseWhole(Bytes(input));
        Assert.Equal("error: Protocol error: " + expected, outcome.End);
        Assert.Empty(outcome.Commands);
    }

    [Fact]
    public void CommandsBeforeAnErrorAreStillParsed()
    {
        var outcome = ParseWhole(Bytes("PING\r\n*1\r\n$4\r\nECHO\r\n*1\r\n?\r\n*1\r\n$4\r\nPING\r\n"));
        Assert.Equal(2, outcome.Commands.Count);
        Assert.Equal("error: Protocol error: expected '$', got '?'", outcome.End);
    }

    [Fact]
    public void TooBigInlineRequest()
    {
        var line = new string('a', RequestParser.InlineMaxSize);
        // Exactly 64 KB without a newline is still waited on; one byte more is refused.
        Assert.Equal("incomplete", ParseWhole(Bytes(line)).End);
        Assert.Equal("error: Protocol error: too big inline request", ParseWhole(Bytes(line + "a")).End);
        // A newline after more than 64 KB does not save it (Redis would have refused it while waiting).
        Assert.Equal("error: Protocol error: too big inline request", ParseWhole(Bytes(line + "a\r\n")).End);
        Assert.Single(ParseWhole(Bytes("ECHO " + new string('a', RequestParser.InlineMaxSize - 6) + "\r\n")).Commands);
    }

    [Fact]
    public void TooBigCountStrings()
    {
        string digits = new('1', RequestParser.InlineMaxSize);
        Assert.Equal("incomplete", ParseWhole(Bytes("*" + digits[1..])).End);
        Assert.Equal("error: Protocol error: too big mbulk count string", ParseWhole(Bytes("*" + digits)).End);
        Assert.Equal("error: Protocol error: too big mbulk count string", ParseWhole(Bytes("*" + digits + "\r\n")).End);
        Assert.Equal("incomplete", ParseWhole(Bytes("*1\r\n$" + digits[1..])).End);
        Assert.Equal("error: Protocol error: too big bulk count string", ParseWhole(Bytes("*1\r\n$" + digits)).End);
        // The '$' is checked only once the line is complete, like Redis: garbage without CR
        // waits, then is "too big".
        Assert.Equal("incomplete", ParseWhole(Bytes("*1\r\nxyz")).End);
        Assert.Equal("error: Protocol error: too big bulk count string", ParseWhole(Bytes("*1\r\n" + new string('x', RequestParser.InlineMaxSize + 1))).End);
    }

    [Fact]
    public void NulBeforeTheLineEndHidesItLikeStrchr()
    {
        // redis-server gives no reply at all to these (strchr stops at the NUL) until 64 KB pile up.
        Assert.Equal("incomplete", ParseWhole(Bytes("PING\0\r\nPING\r\n")).End);
        Assert.Equal("incomplete", ParseWhole(Bytes("*1\0\r\n$4\r\nPING\r\n")).End);
        Assert.Equal("incomplete", ParseWhole(Bytes("*1\r\n$4\0\r\nPING\r\n")).End);
        Assert.Equal("error: Protocol error: too big inline request",
            ParseWhole(Bytes("PING\0\r\n" + new string('\n', RequestParser.InlineMaxSize))).End);
        // Inside a bulk payload a NUL is just a byte.
        var outcome = ParseWhole(Bytes("*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n"));
        Assert.Equal("done", outcome.End);
        Assert.Equal(new[] { "ECHO", "a\0b" }, outcome.Commands[0]);
    }

    [Fact]
    public void UnauthenticatedLimits()
    {
        Assert.Equal("error: Protocol error: unauthenticated multibulk length", ParseWhole(Bytes("*11\r\n"), unauthenticated: true).End);
        Assert.Equal("incomplete", ParseWhole(Bytes("*10\r\n"), unauthenticated: true).End);
        Assert.Equal("error: Protocol error: unauthenticated bulk length", ParseWhole(Bytes("*1\r\n$16385\r\n"), unauthenticated: true).End);
        Assert.Equal("incomplete", ParseWhole(Bytes("*1\r\n$16384\r\n"), unauthenticated: true).End);
        // Malformed lengths are reported as such first, as Redis checks them first.
        Assert.Equal("error: Protocol error: invalid multibulk length", ParseWhole(Bytes("*3000000000\r\n"), unauthenticated: true).End);
        Assert.Equal("error: Protocol error: invalid bulk length", ParseWhole(Bytes("*1\r\n$-5\r\n"), unauthenticated: true).End);
        // Authenticated clients have no such limits.
        Assert.Equal("incomplete", ParseWhole(Bytes("*11\r\n$16385\r\n")).End);
    }

    [Fact]
    public void ProtoMaxBulkLenIsTheLargestAcceptedBulk()
    {
        Assert.Equal("incomplete", ParseWhole(Bytes("*1\r\n$1000\r\n"), protoMaxBulkLen: 1000).End);
        Assert.Equal("error: Protocol error: invalid bulk length", ParseWhole(Bytes("*1\r\n$1001\r\n"), protoMaxBulkLen: 1000).End);
    }

    // ------------------------------------------------------------------ valid input

    [Fact]
    public void EmptyRequestsAreSkipped()
    {
        var outcome = ParseWhole(Bytes("*-1\r\n*0\r\n*-7\r\n\r\n  \n\n*1\r\n$4\r\nPINGxx"));
        Assert.Equal("done", outcome.End);
        Assert.Equal(new[] { "PING" }, Assert.Single(outcome.Commands));
    }

    [Fact]
    public void BytesAfterABulkAreSkippedUnchecked()
    {
        // Redis skips the two bytes after a payload without looking at them.
        var outcome = ParseWhole(Bytes("*2\r\n$4\r\nECHO\r\n$1\r\naXYPING\r\n"));
        Assert.Equal(new[] { "ECHO", "a" }, outcome.Commands[0]);
        Assert.Equal(new[] { "PING" }, outcome.Commands[1]);
    }

    [Fact]
    public void LengthHeaderNeedsTheByteAfterCr()
    {
        var parser = new RequestParser();
        Assert.Equal(ParseStatus.NeedMore, parser.Parse(Bytes("*1\r"), out _));
        Assert.Equal(ParseStatus.NeedMore, parser.Parse(Bytes("*1\r\n$4\r"), out _));
        Assert.Equal(ParseStatus.Command, parser.Parse(Bytes("*1\r\n$4\r\nPING\r\n"), out _));
        // The byte after CR is skipped whatever it is.
        parser.Reset();
        Assert.Equal(ParseStatus.Command, parser.Parse(Bytes("*1\rX$4\rYPING\r\n"), out int consumed));
        Assert.Equal(14, consumed);
    }

    [Theory]
    [InlineData("PING\r\n", new[] { "PING" })]
    [InlineData("SET a b\n", new[] { "SET", "a", "b" })]
    [InlineData("  SET \t a   b  \r\n", new[] { "SET", "a", "b" })]
    [InlineData("\u000bSET a\u000bb\r\n", new[] { "SET", "a\u000bb" })]
    [InlineData("XXX a\rb \"a\"\u000b 'c' \"\"\r\n", new[] { "XXX", "a", "b", "a", "c", "" })]
    [InlineData("ECHO \"a b\" 'c d'\r\n", new[] { "ECHO", "a b", "c d" })]
    [InlineData("ECHO \"\\x4g\"\r\n", new[] { "ECHO", "x4g" })]
    [InlineData("ECHO \"\\q\"\r\n", new[] { "ECHO", "q" })]
    [InlineData("ECHO ab\"c d\"\r\n", new[] { "ECHO", "abc d" })]
    [InlineData("ECHO a'b c'\r\n", new[] { "ECHO", "ab c" })]
    [InlineData("ECHO 'x\\'y'\r\n", new[] { "ECHO", "x'y" })]
    [InlineData("ECHO \"\\x41\\x4A\\x4a\\n\\r\\t\\b\\a\\\"\"\r\n", new[] { "ECHO", "AJJ\n\r\t\b\a\"" })]
    [InlineData("ECHO \"a\\\\b\"\r\n", new[] { "ECHO", "a\\b" })]
    [InlineData("ECHO 'a\\\\b'\r\n", new[] { "ECHO", "a\\\\b" })]
    [InlineData("ECHO 'a\\nb'\r\n", new[] { "ECHO", "a\\nb" })]
    [InlineData("ECHO \"\\x\" \"\\x4\"\r\n", new[] { "ECHO", "x", "x4" })]
    [InlineData("ECHO \"a\\\\\"\r\n", new[] { "ECHO", "a\\" })]
    [InlineData("ECHO \"\\xff\\x00z\"\r\n", new[] { "ECHO", "\u00ff\0z" })]
    [InlineData("ECHO '' \"\"\r\n", new[] { "ECHO", "", "" })]
    [InlineData("ECHO \u00c3\u00a9\r\n", new[] { "ECHO", "\u00c3\u00a9" })]
    public void InlineCommandsSplitLikeSdssplitargs(string input, string[] expected)
    {
        var outcome = ParseWhole(Bytes(input));
        Assert.Equal("done", outcome.End);
        Assert.Equal(expected, Assert.Single(outcome.Commands));
    }

    [Fact]
    public void SplitArgsIsUsableOnItsOwn()
    {
        var args = new ArgRange[1];
        var line = Bytes("save \"900 1\" 'x y' z");
        var output = new byte[line.Length];
        Assert.True(RequestParser.SplitArgs(line, output, ref args, out int count));
        Assert.Equal(4, count);
        Assert.Equal("900 1", Encoding.Latin1.GetString(output, args[1].Offset, args[1].Length));
        Assert.Equal("z", Encoding.Latin1.GetString(output, args[3].Offset, args[3].Length));
        Assert.False(RequestParser.SplitArgs(Bytes("a \"b"), output, ref args, out _));
    }

    /// <summary>A pipeline mixing every request shape, binary payloads and empty requests.</summary>
    private static byte[] MixedPipeline()
    {
        var ms = new MemoryStream();
        ms.Write(Infrastructure.RespClient.Encode("SET", new byte[] { 0, 13, 10, 255, (byte)'*', (byte)'$' }, "v"));
        ms.Write(Bytes("PING\r\n"));
        ms.Write(Bytes("*0\r\n"));
        ms.Write(Infrastructure.RespClient.Encode("ECHO", ""));
        ms.Write(Bytes("ECHO \"a\\r\\nb\" 'c'\n"));
        ms.Write(Bytes("\r\n"));
        ms.Write(Infrastructure.RespClient.Encode("MSET", "k1", new string('x', 300), "k2", "y"));
        ms.Write(Bytes("*-1\r\n"));
        ms.Write(Bytes("  GET   k1 \r\n"));
        ms.Write(Infrastructure.RespClient.Encode("GET", "k\r\n2"));
        return ms.ToArray();
    }

    [Fact]
    public void SplitAtEveryBytePositionGivesTheSameCommands()
    {
        var input = MixedPipeline();
        var whole = ParseWhole(input);
        Assert.Equal("done", whole.End);
        Assert.Equal(7, whole.Commands.Count);
        for (int split = 1; split < input.Length; split++)
        {
            var outcome = Feed(new RequestParser(), input, new[] { split, input.Length });
            Assert.True(whole.SameAs(outcome), $"split at {split}: {outcome}");
        }
        Assert.True(whole.SameAs(Feed(new RequestParser(), input, Ones())), "byte by byte");
    }

    [Fact]
    public void SplitAtEveryPairOfPositionsGivesTheSameCommands()
    {
        var input = MixedPipeline();
        var whole = ParseWhole(input);
        var parser = new RequestParser();
        for (int a = 1; a < input.Length; a += 3)
        {
            for (int b = a + 1; b < input.Length; b += 5)
            {
                var outcome = Feed(parser, input, new[] { a, b - a, input.Length });
                Assert.True(whole.SameAs(outcome), $"split at {a} and {b}: {outcome}");
            }
        }
    }

    [Fact]
    public void ArbitraryChunkingsGiveTheSameCommands()
    {
        var rng = new Random(20240611);
        var input = MixedPipeline();
        var whole = ParseWhole(input);
        var parser = new RequestParser();
        for (int round = 0; round < 2000; round++)
        {
            var outcome = Feed(parser, input, RandomChunks(rng, 1 + rng.Next(64)));
            Assert.True(whole.SameAs(outcome), $"round {round}: {outcome}");
        }
    }

    [Fact]
    public void OversizedLinesFailWithinTheLimitWhateverTheChunking()
    {
        // 1 MB without a line end, in 4 KB reads: refused before much more than 64 KB is held.
        var rng = new Random(7);
        foreach (var prefix in new[] { "", "*", "*1\r\n$", "PING\0" })
        {
            var input = new byte[1 << 20];
            rng.NextBytes(input);
            for (int i = 0; i < input.Length; i++)
                if (input[i] is (byte)'\n' or (byte)'\r' or 0) input[i] = (byte)'a';
            Bytes(prefix).CopyTo(input, 0);
            if (prefix == "") input[0] = (byte)'a';
            var parser = new RequestParser();
            int fed = 0;
            ParseStatus status = ParseStatus.NeedMore;
            while (status == ParseStatus.NeedMore && fed < input.Length)
            {
                fed = Math.Min(input.Length, fed + 4096);
                status = parser.Parse(input.AsSpan(0, fed), out _);
            }
            Assert.Equal(ParseStatus.Error, status);
            Assert.InRange(fed, RequestParser.InlineMaxSize, RequestParser.InlineMaxSize + 4096 + 8);
            Assert.StartsWith("Protocol error: too big ", parser.Error);
        }
    }

    [Fact]
    public void WideCommandsDoNotKeepTheirArgumentTable()
    {
        var ms = new MemoryStream();
        ms.Write(Bytes("*100000\r\n"));
        for (int i = 0; i < 100000; i++) ms.Write(Bytes("$1\r\na\r\n"));
        var parser = new RequestParser();
        var outcome = Feed(parser, ms.ToArray(), new[] { int.MaxValue });
        Assert.Equal(100000, Assert.Single(outcome.Commands).Length);
        Assert.True(parser.RetainedBytes < 64 * 1024);
    }

    // ------------------------------------------------------------------ fuzz

    private static readonly string[] KnownErrors =
    {
        "Protocol error: invalid multibulk length",
        "Protocol error: invalid bulk length",
        "Protocol error: too big inline request",
        "Protocol error: too big mbulk count string",
        "Protocol error: too big bulk count string",
        "Protocol error: unbalanced quotes in request",
        "Protocol error: unauthenticated multibulk length",
        "Protocol error: unauthenticated bulk length",
    };

    /// <summary>A random request stream: valid commands, then random damage.</summary>
    private static byte[] FuzzInput(Random rng)
    {
        var ms = new MemoryStream();
        int commands = rng.Next(1, 6);
        for (int c = 0; c < commands; c++)
        {
            switch (rng.Next(4))
            {
                case 0:
                    var args = new object[rng.Next(1, 5)];
                    for (int i = 0; i < args.Length; i++)
                    {
                        var b = new byte[rng.Next(0, rng.Next(2) == 0 ? 8 : 200)];
                        rng.NextBytes(b);
                        args[i] = b;
                    }
                    ms.Write(Infrastructure.RespClient.Encode(args));
                    break;
                case 1:
                    ms.Write(Bytes("SET k \"v\\x41\\n\" 'w'\r\n"));
                    break;
                case 2:
                    ms.Write(Bytes(rng.Next(2) == 0 ? "*0\r\n" : "\r\n"));
                    break;
                default:
                    var garbage = new byte[rng.Next(1, 40)];
                    for (int i = 0; i < garbage.Length; i++) garbage[i] = Pick(rng);
                    ms.Write(garbage);
                    break;
            }
        }
        var bytes = ms.ToArray().ToList();
        int mutations = rng.Next(0, 6);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = rng.Next(bytes.Count);
            switch (rng.Next(5))
            {
                case 0: bytes[at] = Pick(rng); break;
                case 1: bytes.Insert(at, Pick(rng)); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.InsertRange(at, Bytes(rng.Next(3) switch { 0 => "*" + rng.Next(-3, 30) + "\r\n", 1 => "$" + rng.Next(-3, 300) + "\r\n", _ => "\"" })); break;
            }
        }
        if (rng.Next(200) == 0) bytes.AddRange(Enumerable.Repeat((byte)'7', RequestParser.InlineMaxSize + rng.Next(-2, 3)));
        return bytes.ToArray();
    }

    /// <summary>Mostly the bytes the grammar cares about.</summary>
    private static byte Pick(Random rng)
    {
        const string special = "*$\r\n\0\"'\\ x0123456789-+";
        return rng.Next(4) == 0 ? (byte)rng.Next(256) : (byte)special[rng.Next(special.Length)];
    }

    [Fact]
    public void FuzzedInputOnlyEverYieldsCommandsOrProtocolErrors()
    {
        var rng = new Random(12345);
        var parser = new RequestParser();
        var clock = Stopwatch.StartNew();
        int errors = 0, commands = 0;
        for (int round = 0; round < 10_000; round++)
        {
            var input = FuzzInput(rng);
            bool unauthenticated = rng.Next(8) == 0;
            parser.Unauthenticated = unauthenticated;
            parser.ProtoMaxBulkLen = rng.Next(4) == 0 ? 100 : 512L * 1024 * 1024;
            Outcome whole, chunked;
            try
            {
                parser.Reset();
                whole = Feed(parser, input, new[] { input.Length });
                parser.Reset();
                // Long inputs in larger chunks, so that the harness's copying stays cheap.
                chunked = Feed(parser, input, RandomChunks(rng, input.Length > 10_000 ? 8192 : 1 + rng.Next(32)));
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                throw new InvalidOperationException($"round {round}: parser threw on {Show(Encoding.Latin1.GetString(input))}", ex);
            }
            Assert.True(whole.SameAs(chunked), $"round {round}: whole {whole} vs chunked {chunked} for {Show(Encoding.Latin1.GetString(input))}");
            if (whole.End.StartsWith("error: ", StringComparison.Ordinal))
            {
                errors++;
                string message = whole.End["error: ".Length..];
                Assert.True(KnownErrors.Contains(message) || message.StartsWith("Protocol error: expected '$', got '", StringComparison.Ordinal), message);
            }
            commands += whole.Commands.Count;
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"fuzzing took {clock.Elapsed}");
        // The generator must exercise both outcomes, or the test proves nothing.
        Assert.InRange(errors, 1000, 9000);
        Assert.True(commands > 5000, $"{commands} commands, {errors} errors");
    }

    // ------------------------------------------------------------------ string2ll

    [Theory]
    [InlineData("0", true, 0L)]
    [InlineData("-1", true, -1L)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("-9223372036854775809", false, 0L)]
    [InlineData("-0", false, 0L)]
    [InlineData("00", false, 0L)]
    [InlineData("+1", false, 0L)]
    [InlineData(" 1", false, 0L)]
    [InlineData("1 ", false, 0L)]
    [InlineData("", false, 0L)]
    [InlineData("-", false, 0L)]
    [InlineData("1a", false, 0L)]
    [InlineData("000000000000000000001", false, 0L)]
    public void StrictInt64IsRedisString2ll(string text, bool ok, long value)
    {
        Assert.Equal(ok, RequestParser.TryParseStrictInt64(Bytes(text), out long parsed));
        if (ok) Assert.Equal(value, parsed);
    }
}
