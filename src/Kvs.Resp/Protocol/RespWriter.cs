using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Kvs.Resp.Protocol;

/// <summary>
/// Writes RESP2/RESP3 replies straight into the memory of an <see cref="IBufferWriter{T}"/>
/// (the connection's PipeWriter, or an in-memory buffer for scripts and MULTI).
/// <para>
/// Layout choice: it holds the array behind the writer's current memory block and an index into
/// it, so each reply is a few array stores; <see cref="Commit"/> hands the bytes to the writer
/// once per batch instead of once per reply. Kestrel's pipe memory is array-backed; any other
/// memory falls back to a private array that is copied on commit.
/// </para>
/// </summary>
public sealed class RespWriter
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private IBufferWriter<byte> _target;
    private byte[] _buf = Array.Empty<byte>();
    private int _start;
    private int _pos;
    private int _end;
    private bool _copyOnCommit;

    public RespWriter(IBufferWriter<byte> target) => _target = target;

    /// <summary>2 or 3, as chosen with HELLO.</summary>
    public int Protocol { get; set; } = 2;

    public bool IsResp3 => Protocol == 3;

    /// <summary>Bytes written since the counter was last read (INFO total_net_output_bytes).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Bytes written but not yet committed to the target.</summary>
    public int Pending => _pos - _start;

    public void Reset(IBufferWriter<byte> target)
    {
        Commit();
        _target = target;
    }

    /// <summary>Hands everything written so far to the target writer.</summary>
    public void Commit()
    {
        int n = _pos - _start;
        if (n > 0)
        {
            if (_copyOnCommit) _target.Write(_buf.AsSpan(_start, n));
            else _target.Advance(n);
            BytesWritten += n;
        }
        _buf = Array.Empty<byte>();
        _start = _pos = _end = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int needed)
    {
        Commit();
        var memory = _target.GetMemory(Math.Max(needed, 4096));
        if (MemoryMarshal.TryGetArray<byte>(memory, out var segment))
        {
            _buf = segment.Array!;
            _start = _pos = segment.Offset;
            _end = segment.Offset + segment.Count;
            _copyOnCommit = false;
        }
        else
        {
            _buf = new byte[Math.Max(needed, 4096)];
            _start = _pos = 0;
            _end = _buf.Length;
            _copyOnCommit = true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int n)
    {
        if (_end - _pos < n) Grow(n);
        return _buf.AsSpan(_pos, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        if (_end - _pos >= bytes.Length)
        {
            bytes.CopyTo(_buf.AsSpan(_pos));
            _pos += bytes.Length;
            return;
        }
        WriteRawSlow(bytes);
    }

    private void WriteRawSlow(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_end == _pos) Grow(Math.Min(bytes.Length, 1 << 16));
            int n = Math.Min(bytes.Length, _end - _pos);
            bytes.Slice(0, n).CopyTo(_buf.AsSpan(_pos));
            _pos += n;
            bytes = bytes.Slice(n);
        }
    }

    private void WriteAscii(string s)
    {
        var span = Reserve(s.Length);
        for (int i = 0; i < s.Length; i++) span[i] = (byte)s[i];
        _pos += s.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteByte(byte b)
    {
        if (_pos == _end) Grow(1);
        _buf[_pos++] = b;
    }

    private void WriteCrlf()
    {
        var s = Reserve(2);
        s[0] = (byte)'\r';
        s[1] = (byte)'\n';
        _pos += 2;
    }

    private void WritePrefixedNumber(byte prefix, long value)
    {
        var span = Reserve(23);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span.Slice(1), out int written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        _pos += written + 3;
    }

    // ----- simple types -----

    public void WriteOk() => WriteRaw("+OK\r\n"u8);

    public void WriteQueued() => WriteRaw("+QUEUED\r\n"u8);

    public void WriteSimpleString(ReadOnlySpan<byte> s)
    {
        WriteByte((byte)'+');
        WriteRaw(s);
        WriteCrlf();
    }

    public void WriteSimpleString(string s)
    {
        WriteByte((byte)'+');
        WriteUtf8(s);
        WriteCrlf();
    }

    /// <summary>Writes an error; <paramref name="message"/> includes the code (e.g. "ERR ..." or "WRONGTYPE ...").</summary>
    public void WriteError(string message)
    {
        WriteByte((byte)'-');
        WriteUtf8(SanitizeLine(message));
        WriteCrlf();
    }

    public void WriteError(ReadOnlySpan<byte> message)
    {
        WriteByte((byte)'-');
        WriteRaw(message);
        WriteCrlf();
    }

    private static string SanitizeLine(string s) =>
        s.AsSpan().IndexOfAny('\r', '\n') < 0 ? s : s.Replace('\r', ' ').Replace('\n', ' ');

    private void WriteUtf8(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (max <= 256)
        {
            var span = Reserve(max);
            _pos += Encoding.UTF8.GetBytes(s, span);
        }
        else
        {
            WriteRaw(Encoding.UTF8.GetBytes(s));
        }
    }

    public void WriteInteger(long value)
    {
        if ((ulong)value < 10)
        {
            var s = Reserve(4);
            s[0] = (byte)':';
            s[1] = (byte)('0' + value);
            s[2] = (byte)'\r';
            s[3] = (byte)'\n';
            _pos += 4;
            return;
        }
        WritePrefixedNumber((byte)':', value);
    }

    // ----- bulk strings -----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBulk(ReadOnlySpan<byte> value)
    {
        int total = value.Length + 16;
        if (_end - _pos >= total)
        {
            var span = _buf.AsSpan(_pos);
            span[0] = (byte)'$';
            int n;
            if (value.Length < 10)
            {
                span[1] = (byte)('0' + value.Length);
                n = 1;
            }
            else
            {
                Utf8Formatter.TryFormat(value.Length, span.Slice(1), out n);
            }
            span[1 + n] = (byte)'\r';
            span[2 + n] = (byte)'\n';
            value.CopyTo(span.Slice(3 + n));
            int p = 3 + n + value.Length;
            span[p] = (byte)'\r';
            span[p + 1] = (byte)'\n';
            _pos += p + 2;
            return;
        }
        WritePrefixedNumber((byte)'$', value.Length);
        WriteRaw(value);
        WriteCrlf();
    }

    public void WriteBulk(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 512)
        {
            Span<byte> tmp = stackalloc byte[max];
            int n = Encoding.UTF8.GetBytes(value, tmp);
            WriteBulk(tmp.Slice(0, n));
        }
        else
        {
            WriteBulk(Encoding.UTF8.GetBytes(value));
        }
    }

    /// <summary>An integer as a bulk string (e.g. CONFIG GET values).</summary>
    public void WriteBulk(long value)
    {
        Span<byte> tmp = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, tmp, out int n);
        WriteBulk(tmp.Slice(0, n));
    }

    /// <summary>Null bulk string: <c>$-1</c> in RESP2, <c>_</c> in RESP3.</summary>
    public void WriteNull()
    {
        if (Protocol == 3) WriteRaw("_\r\n"u8);
        else WriteRaw("$-1\r\n"u8);
    }

    /// <summary>Null array: <c>*-1</c> in RESP2, <c>_</c> in RESP3.</summary>
    public void WriteNullArray()
    {
        if (Protocol == 3) WriteRaw("_\r\n"u8);
        else WriteRaw("*-1\r\n"u8);
    }

    public void WriteVerbatim(string format, string text)
    {
        if (Protocol != 3)
        {
            WriteBulk(text);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        WritePrefixedNumber((byte)'=', bytes.Length + 4);
        WriteAscii(format);
        WriteByte((byte)':');
        WriteRaw(bytes);
        WriteCrlf();
    }

    // ----- aggregates -----

    public void WriteArrayHeader(int count)
    {
        if ((uint)count < 10)
        {
            var s = Reserve(4);
            s[0] = (byte)'*';
            s[1] = (byte)('0' + count);
            s[2] = (byte)'\r';
            s[3] = (byte)'\n';
            _pos += 4;
            return;
        }
        WritePrefixedNumber((byte)'*', count);
    }

    /// <summary>A map of <paramref name="pairs"/> entries: <c>%n</c> in RESP3, a flat array of 2n in RESP2.</summary>
    public void WriteMapHeader(int pairs)
    {
        if (Protocol == 3) WritePrefixedNumber((byte)'%', pairs);
        else WriteArrayHeader(pairs * 2);
    }

    /// <summary>A set: <c>~n</c> in RESP3, an array in RESP2.</summary>
    public void WriteSetHeader(int count)
    {
        if (Protocol == 3) WritePrefixedNumber((byte)'~', count);
        else WriteArrayHeader(count);
    }

    /// <summary>An out-of-band push: <c>&gt;n</c> in RESP3, an array in RESP2.</summary>
    public void WritePushHeader(int count)
    {
        if (Protocol == 3) WritePrefixedNumber((byte)'>', count);
        else WriteArrayHeader(count);
    }

    public void WriteEmptyArray() => WriteRaw("*0\r\n"u8);

    // ----- RESP3 scalars with RESP2 fallbacks -----

    /// <summary>A double: <c>,d</c> in RESP3, a bulk string in RESP2, formatted as Redis does.</summary>
    public void WriteDouble(double value)
    {
        Span<byte> tmp = stackalloc byte[40];
        int n = FormatDouble(value, tmp);
        if (Protocol == 3)
        {
            WriteByte((byte)',');
            WriteRaw(tmp.Slice(0, n));
            WriteCrlf();
        }
        else
        {
            WriteBulk(tmp.Slice(0, n));
        }
    }

    /// <summary>Redis's reply formatting of doubles: "inf", "-inf", "nan", else %.17g.</summary>
    public static int FormatDouble(double value, Span<byte> dest)
    {
        string s;
        if (double.IsPositiveInfinity(value)) s = "inf";
        else if (double.IsNegativeInfinity(value)) s = "-inf";
        else if (double.IsNaN(value)) s = "nan";
        else s = FormatG17(value);
        for (int i = 0; i < s.Length; i++) dest[i] = (byte)s[i];
        return s.Length;
    }

    /// <summary>C's printf("%.17g").</summary>
    public static string FormatG17(double value)
    {
        if (value == 0) return double.IsNegative(value) ? "-0" : "0";
        string e = value.ToString("E16", CultureInfo.InvariantCulture);
        int ePos = e.IndexOf('E');
        int exponent = int.Parse(e.AsSpan(ePos + 1), CultureInfo.InvariantCulture);
        if (exponent < -4 || exponent >= 17)
        {
            string mantissa = e.Substring(0, ePos);
            if (mantissa.Contains('.')) mantissa = mantissa.TrimEnd('0').TrimEnd('.');
            return mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
        string f = value.ToString("F" + Math.Max(0, 16 - exponent), CultureInfo.InvariantCulture);
        if (f.Contains('.')) f = f.TrimEnd('0').TrimEnd('.');
        return f;
    }

    public void WriteBoolean(bool value)
    {
        if (Protocol == 3) WriteRaw(value ? "#t\r\n"u8 : "#f\r\n"u8);
        else WriteInteger(value ? 1 : 0);
    }

    public void WriteBigNumber(string digits)
    {
        if (Protocol == 3)
        {
            WriteByte((byte)'(');
            WriteAscii(digits);
            WriteCrlf();
        }
        else
        {
            WriteBulk(digits);
        }
    }
}
