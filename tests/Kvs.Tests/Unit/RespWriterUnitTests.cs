using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Kvs.Resp.Protocol;
using Xunit;

namespace Kvs.Tests.Unit;

/// <summary>
/// Reply encoding, byte for byte, in RESP2 and RESP3 (expected bytes as redis-server 7.0 sends
/// them), and the double formatting that must equal C's printf("%.17g").
/// </summary>
public sealed class RespWriterUnitTests
{
    private static string Write(Action<RespWriter> write, int protocol = 2)
    {
        var target = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(target) { Protocol = protocol };
        write(writer);
        writer.Commit();
        Assert.Equal(target.WrittenCount, writer.BytesWritten);
        return Encoding.Latin1.GetString(target.WrittenSpan);
    }

    [Theory]
    [InlineData(0L, ":0\r\n")]
    [InlineData(9L, ":9\r\n")]
    [InlineData(10L, ":10\r\n")]
    [InlineData(-1L, ":-1\r\n")]
    [InlineData(long.MaxValue, ":9223372036854775807\r\n")]
    [InlineData(long.MinValue, ":-9223372036854775808\r\n")]
    public void Integers(long value, string expected)
    {
        Assert.Equal(expected, Write(w => w.WriteInteger(value)));
        Assert.Equal(expected, Write(w => w.WriteInteger(value), protocol: 3));
    }

    [Fact]
    public void BulkStrings()
    {
        Assert.Equal("$0\r\n\r\n", Write(w => w.WriteBulk(ReadOnlySpan<byte>.Empty)));
        Assert.Equal("$3\r\nabc\r\n", Write(w => w.WriteBulk("abc"u8)));
        Assert.Equal("$10\r\n0123456789\r\n", Write(w => w.WriteBulk("0123456789"u8)));
        Assert.Equal("$6\r\n\0\r\n\u00ff\r\n\r\n", Write(w => w.WriteBulk(new byte[] { 0, 13, 10, 255, 13, 10 })));
        Assert.Equal("$2\r\n\u00c3\u00a9\r\n", Write(w => w.WriteBulk("é")));
        Assert.Equal("$20\r\n-9223372036854775808\r\n", Write(w => w.WriteBulk(long.MinValue)));
        Assert.Equal("$1\r\n7\r\n", Write(w => w.WriteBulk(7L)));
    }

    [Fact]
    public void LargeBulkAndLongRepliesSpanManyBlocks()
    {
        var value = new byte[3 * 1024 * 1024 + 7];
        new Random(1).NextBytes(value);
        var target = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(target);
        for (int i = 0; i < 1000; i++) writer.WriteInteger(i);
        writer.WriteBulk(value);
        writer.WriteRaw("+OK\r\n"u8);
        writer.Commit();
        var written = target.WrittenSpan;
        string prefix = string.Concat(Enumerable.Range(0, 1000).Select(i => $":{i}\r\n")) + $"${value.Length}\r\n";
        Assert.Equal(prefix, Encoding.ASCII.GetString(written[..prefix.Length]));
        Assert.True(written.Slice(prefix.Length, value.Length).SequenceEqual(value));
        Assert.Equal("\r\n+OK\r\n", Encoding.ASCII.GetString(written[(prefix.Length + value.Length)..]));
    }

    [Fact]
    public void NullsDependOnProtocol()
    {
        Assert.Equal("$-1\r\n", Write(w => w.WriteNull()));
        Assert.Equal("_\r\n", Write(w => w.WriteNull(), protocol: 3));
        Assert.Equal("*-1\r\n", Write(w => w.WriteNullArray()));
        Assert.Equal("_\r\n", Write(w => w.WriteNullArray(), protocol: 3));
    }

    [Fact]
    public void AggregatesFallBackToArraysInResp2()
    {
        Assert.Equal("*0\r\n", Write(w => w.WriteArrayHeader(0)));
        Assert.Equal("*12\r\n", Write(w => w.WriteArrayHeader(12)));
        Assert.Equal("*4\r\n", Write(w => w.WriteMapHeader(2)));
        Assert.Equal("%2\r\n", Write(w => w.WriteMapHeader(2), protocol: 3));
        Assert.Equal("*20\r\n", Write(w => w.WriteMapHeader(10)));
        Assert.Equal("*3\r\n", Write(w => w.WriteSetHeader(3)));
        Assert.Equal("~3\r\n", Write(w => w.WriteSetHeader(3), protocol: 3));
        Assert.Equal("*3\r\n", Write(w => w.WritePushHeader(3)));
        Assert.Equal(">3\r\n", Write(w => w.WritePushHeader(3), protocol: 3));
        Assert.Equal("*0\r\n", Write(w => w.WriteEmptyArray(), protocol: 3));
    }

    [Fact]
    public void ScalarsFallBackInResp2()
    {
        Assert.Equal(":1\r\n", Write(w => w.WriteBoolean(true)));
        Assert.Equal("#f\r\n", Write(w => w.WriteBoolean(false), protocol: 3));
        Assert.Equal("$4\r\n1234\r\n", Write(w => w.WriteBigNumber("1234")));
        Assert.Equal("(1234\r\n", Write(w => w.WriteBigNumber("1234"), protocol: 3));
        Assert.Equal("$5\r\nhello\r\n", Write(w => w.WriteVerbatim("txt", "hello")));
        Assert.Equal("=9\r\ntxt:hello\r\n", Write(w => w.WriteVerbatim("txt", "hello"), protocol: 3));
        Assert.Equal("$3\r\n1.5\r\n", Write(w => w.WriteDouble(1.5)));
        Assert.Equal(",1.5\r\n", Write(w => w.WriteDouble(1.5), protocol: 3));
        Assert.Equal("$19\r\n0.10000000000000001\r\n", Write(w => w.WriteDouble(0.1)));
        Assert.Equal("$3\r\ninf\r\n", Write(w => w.WriteDouble(double.PositiveInfinity)));
        Assert.Equal(",-inf\r\n", Write(w => w.WriteDouble(double.NegativeInfinity), protocol: 3));
    }

    [Fact]
    public void SimpleStringsAndErrors()
    {
        Assert.Equal("+OK\r\n", Write(w => w.WriteOk()));
        Assert.Equal("+QUEUED\r\n", Write(w => w.WriteQueued()));
        Assert.Equal("+PONG\r\n", Write(w => w.WriteSimpleString("PONG")));
        Assert.Equal("+PONG\r\n", Write(w => w.WriteSimpleString("PONG"u8)));
        Assert.Equal("-ERR bad\r\n", Write(w => w.WriteError("ERR bad")));
        // An error must stay on one line whatever it quotes (addReplyErrorLength's rule).
        Assert.Equal("-ERR a b c\r\n", Write(w => w.WriteError("ERR a\rb\nc")));
        // Raw bytes (protocol errors echo the client's byte as it came).
        Assert.Equal("-ERR \u00ff\r\n", Write(w => w.WriteError(new byte[] { (byte)'E', (byte)'R', (byte)'R', (byte)' ', 0xff })));
    }

    /// <summary>A target whose memory is not an array (native memory), so the writer copies on commit.</summary>
    private sealed class NativeMemoryWriter : IBufferWriter<byte>, IDisposable
    {
        private sealed class Manager(int size) : MemoryManager<byte>
        {
            private readonly IntPtr _ptr = Marshal.AllocHGlobal(size);
            public override unsafe Span<byte> GetSpan() => new((void*)_ptr, size);
            public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();
            public override void Unpin() { }
            protected override void Dispose(bool disposing) => Marshal.FreeHGlobal(_ptr);
        }

        private readonly List<Manager> _blocks = new();
        private readonly MemoryStream _written = new();
        private Manager? _current;

        public byte[] Written => _written.ToArray();

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            _current = new Manager(Math.Max(sizeHint, 16));
            _blocks.Add(_current);
            return _current.Memory;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public void Advance(int count) => _written.Write(_current!.GetSpan()[..count]);

        public void Dispose()
        {
            foreach (var b in _blocks) ((IDisposable)b).Dispose();
        }
    }

    [Fact]
    public void NonArrayMemoryIsCopiedOnCommit()
    {
        using var target = new NativeMemoryWriter();
        var writer = new RespWriter(target);
        writer.WriteOk();
        writer.WriteBulk(new byte[10_000]);
        writer.WriteInteger(42);
        writer.Commit();
        var expected = Encoding.ASCII.GetBytes("+OK\r\n$10000\r\n").Concat(new byte[10_000]).Concat(Encoding.ASCII.GetBytes("\r\n:42\r\n")).ToArray();
        Assert.Equal(expected, target.Written);
    }

    [Fact]
    public void NothingReachesTheTargetBeforeCommit()
    {
        var target = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(target);
        writer.WriteOk();
        Assert.Equal(0, target.WrittenCount);
        Assert.Equal(5, writer.Pending);
        writer.Commit();
        Assert.Equal(5, target.WrittenCount);
        Assert.Equal(0, writer.Pending);
    }

    // ------------------------------------------------------------------ %.17g

    [Theory]
    [InlineData(1.1, "1.1000000000000001")]
    [InlineData(0.1, "0.10000000000000001")]
    [InlineData(1e-5, "1.0000000000000001e-05")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(1e17, "1e+17")]
    [InlineData(0.0, "0")]
    [InlineData(3.0, "3")]
    [InlineData(1.5e300, "1.5000000000000001e+300")]
    [InlineData(5e-324, "4.9406564584124654e-324")]
    [InlineData(1e16, "10000000000000000")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001234, "1.234e-05")]
    [InlineData(1.0 / 3, "0.33333333333333331")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e21, "1e+21")]
    [InlineData(123.456, "123.456")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(2.2250738585072014e-308, "2.2250738585072014e-308")]
    [InlineData(0.3, "0.29999999999999999")]
    [InlineData(100.0, "100")]
    [InlineData(12345678901234567.0, "12345678901234568")]
    [InlineData(4.35, "4.3499999999999996")]
    [InlineData(-1e-300, "-1e-300")]
    [InlineData(6.02214076e23, "6.0221407599999999e+23")]
    [InlineData(1234567890.125, "1234567890.125")]
    [InlineData(5e-5, "5.0000000000000002e-05")]
    public void FormatG17MatchesPrintf(double value, string expected) => Assert.Equal(expected, RespWriter.FormatG17(value));

    [Fact]
    public void FormatG17KeepsTheSignOfNegativeZero() => Assert.Equal("-0", RespWriter.FormatG17(-0.0));

    [Fact]
    public void FormatG17MatchesGlibcOnThousandsOfDoubles()
    {
        // Data/printf-g17.txt: 3000 doubles (random bit patterns, integers, decimal fractions)
        // printed by glibc's printf("%.17g").
        int checkedCount = 0;
        var failures = new StringBuilder();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Unit", "Data", "printf-g17.txt")))
        {
            if (line.StartsWith('#')) continue;
            var parts = line.Split(' ');
            double value = BitConverter.Int64BitsToDouble(long.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            string actual = RespWriter.FormatG17(value);
            if (actual != parts[1] && failures.Length < 2000) failures.Append($"{parts[0]}: printf {parts[1]}, kvs {actual}\n");
            checkedCount++;
        }
        Assert.Equal(3000, checkedCount);
        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void FormatG17RoundTrips()
    {
        var rng = new Random(99);
        Span<byte> bits = stackalloc byte[8];
        for (int i = 0; i < 10_000; i++)
        {
            rng.NextBytes(bits);
            double value = BitConverter.ToDouble(bits);
            if (!double.IsFinite(value)) continue;
            string text = RespWriter.FormatG17(value);
            Assert.Equal(value, double.Parse(text, CultureInfo.InvariantCulture));
        }
    }
}
