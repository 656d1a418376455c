namespace Kvs.Resp.Protocol;

public enum ParseStatus
{
    /// <summary>A whole command is in <see cref="RequestParser.Args"/>.</summary>
    Command,
    /// <summary>Bytes were consumed but there is no command (empty line, <c>*0</c>, <c>*-1</c>).</summary>
    Empty,
    /// <summary>The command is not complete; parsing resumes where it stopped when more bytes arrive.</summary>
    NeedMore,
    /// <summary>Malformed input; <see cref="RequestParser.Error"/> holds Redis's message. The connection must close.</summary>
    Error,
}

/// <summary>
/// Incremental RESP request parser with Redis's rules and error texts (networking.c).
/// <para>
/// It parses one command at a time from a span that starts at the command's first byte. When
/// the span ends mid-command it returns <see cref="ParseStatus.NeedMore"/> and keeps its
/// position and the arguments found so far, all as offsets from the command's start, so the
/// caller may hand it a longer span (the same bytes plus more, possibly copied elsewhere) and no
/// byte is scanned twice. Nothing is allocated per argument; the argument table grows only with
/// the widest command seen.
/// </para>
/// </summary>
public sealed class RequestParser
{
    /// <summary>Redis's PROTO_INLINE_MAX_SIZE: longest inline line and longest length header.</summary>
    public const int InlineMaxSize = 64 * 1024;

    private ArgRange[] _args = new ArgRange[8];
    private int _argCount;
    private long _expected = -1;
    private int _pos;
    private long _bulkLen = -1;
    private bool _inline;
    private byte[] _inlineBuffer = Array.Empty<byte>();

    public long ProtoMaxBulkLen { get; set; } = 512L * 1024 * 1024;

    /// <summary>Unauthenticated connections get tighter limits (Redis 7.0's CVE-2021-32675 fix).</summary>
    public bool Unauthenticated { get; set; }

    public string? Error { get; private set; }

    /// <summary>True while a command is partly parsed.</summary>
    public bool InProgress => _expected >= 0 || _pos > 0;

    /// <summary>Bytes of the current command scanned so far; the least a caller must keep.</summary>
    public int Position => _pos;

    /// <summary>Bytes the current command needs at least, when known (for growing a buffer).</summary>
    public long MinimumNeeded => _bulkLen >= 0 ? _pos + _bulkLen + 2 : _pos + 1;

    public ReadOnlySpan<ArgRange> Args => _args.AsSpan(0, _argCount);

    /// <summary>Inline commands are unescaped into a buffer of the parser's own; their args point there.</summary>
    public bool IsInline => _inline;

    public ReadOnlySpan<byte> InlineSource => _inlineBuffer;

    public RespArgs GetArgs(ReadOnlySpan<byte> data) => _inline ? new RespArgs(_inlineBuffer, Args) : new RespArgs(data, Args);

    /// <summary>Forgets the previous command; call after executing it.</summary>
    public void Reset()
    {
        _argCount = 0;
        _expected = -1;
        _pos = 0;
        _bulkLen = -1;
        _inline = false;
        Error = null;
    }

    /// <summary>
    /// Parses from <paramref name="data"/>, which starts at the current command's first byte.
    /// On <see cref="ParseStatus.Command"/> and <see cref="ParseStatus.Empty"/>, <paramref name="consumed"/>
    /// is the command's length.
    /// </summary>
    public ParseStatus Parse(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        if (_expected < 0 && !_inline && _pos == 0)
        {
            if (data.IsEmpty) return ParseStatus.NeedMore;
            _argCount = 0;
            if (data[0] != (byte)'*') return ParseInline(data, out consumed);
            var header = ParseHeader(data, 0, isBulk: false, out long count);
            if (header != ParseStatus.Command) return header;
            if (count <= 0)
            {
                consumed = _pos;
                _pos = 0;
                return ParseStatus.Empty;
            }
            if (Unauthenticated && count > 10) return Fail("Protocol error: unauthenticated multibulk length");
            _expected = count;
        }
        else if (_inline || (_expected < 0 && _pos > 0))
        {
            return ParseInline(data, out consumed);
        }

        while (_argCount < _expected)
        {
            if (_bulkLen < 0)
            {
                if (_pos >= data.Length) return ParseStatus.NeedMore;
                if (data[_pos] != (byte)'$')
                    return Fail("Protocol error: expected '$', got '" + (char)data[_pos] + "'");
                var header = ParseHeader(data, _pos, isBulk: true, out long len);
                if (header != ParseStatus.Command) return header;
                if (Unauthenticated && len > 16384) return Fail("Protocol error: unauthenticated bulk length");
                _bulkLen = len;
            }
            if (data.Length - _pos < _bulkLen + 2) return ParseStatus.NeedMore;
            if (_argCount == _args.Length) Array.Resize(ref _args, _args.Length * 2);
            _args[_argCount++] = new ArgRange { Offset = _pos, Length = (int)_bulkLen };
            // Like Redis, the two bytes after the payload are skipped without checking for CRLF.
            _pos += (int)_bulkLen + 2;
            _bulkLen = -1;
        }
        consumed = _pos;
        _expected = -1;
        _pos = 0;
        return ParseStatus.Command;
    }

    /// <summary>Parses <c>*n\r\n</c> or <c>$n\r\n</c> at <paramref name="at"/>; advances <see cref="_pos"/> past it.</summary>
    private ParseStatus ParseHeader(ReadOnlySpan<byte> data, int at, bool isBulk, out long value)
    {
        value = 0;
        var rest = data.Slice(at + 1);
        int cr = rest.IndexOf((byte)'\r');
        if (cr < 0)
        {
            if (rest.Length > InlineMaxSize)
                return Fail(isBulk ? "Protocol error: too big bulk count string" : "Protocol error: too big mbulk count string");
            return ParseStatus.NeedMore;
        }
        if (cr > InlineMaxSize)
            return Fail(isBulk ? "Protocol error: too big bulk count string" : "Protocol error: too big mbulk count string");
        // Redis needs the byte after '\r' to be present (it is skipped, not checked).
        if (rest.Length < cr + 2) return ParseStatus.NeedMore;
        bool ok = TryParseStrictInt64(rest.Slice(0, cr), out value);
        if (isBulk)
        {
            if (!ok || value < 0 || value > ProtoMaxBulkLen) return Fail("Protocol error: invalid bulk length");
        }
        else if (!ok || value > int.MaxValue)
        {
            return Fail("Protocol error: invalid multibulk length");
        }
        _pos = at + 1 + cr + 2;
        return ParseStatus.Command;
    }

    private ParseStatus Fail(string message)
    {
        Error = message;
        return ParseStatus.Error;
    }

    /// <summary>Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, fits in 64 bits.</summary>
    public static bool TryParseStrictInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 20) return false;
        if (s.Length == 1 && s[0] == (byte)'0') return true;
        int i = 0;
        bool negative = false;
        if (s[0] == (byte)'-')
        {
            negative = true;
            i = 1;
            if (s.Length == 1) return false;
        }
        if (s[i] < (byte)'1' || s[i] > (byte)'9') return false;
        ulong v = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    private ParseStatus ParseInline(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        _inline = true;
        int nl = data.Slice(_pos).IndexOf((byte)'\n');
        if (nl < 0)
        {
            _pos = data.Length;
            if (data.Length > InlineMaxSize) return Fail("Protocol error: too big inline request");
            return ParseStatus.NeedMore;
        }
        nl += _pos;
        if (nl > InlineMaxSize) return Fail("Protocol error: too big inline request");
        int end = nl;
        if (end > 0 && data[end - 1] == (byte)'\r') end--;
        if (!SplitInline(data.Slice(0, end))) return Fail("Protocol error: unbalanced quotes in request");
        consumed = nl + 1;
        _pos = 0;
        if (_argCount == 0)
        {
            _inline = false;
            return ParseStatus.Empty;
        }
        return ParseStatus.Command;
    }

    /// <summary>Redis's sdssplitargs: whitespace-separated, "double quotes" with escapes, 'single quotes'.</summary>
    private bool SplitInline(ReadOnlySpan<byte> line)
    {
        if (_inlineBuffer.Length < line.Length) _inlineBuffer = new byte[Math.Max(line.Length, 256)];
        int w = 0;
        int i = 0;
        _argCount = 0;
        while (true)
        {
            while (i < line.Length && IsSpace(line[i])) i++;
            if (i >= line.Length) return true;
            int start = w;
            bool inDouble = false, inSingle = false, done = false;
            while (!done)
            {
                if (inDouble)
                {
                    if (i >= line.Length) return false;
                    byte c = line[i];
                    if (c == (byte)'\\' && i + 3 < line.Length && line[i + 1] == (byte)'x' && IsHex(line[i + 2]) && IsHex(line[i + 3]))
                    {
                        _inlineBuffer[w++] = (byte)(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3]));
                        i += 3;
                    }
                    else if (c == (byte)'\\' && i + 1 < line.Length)
                    {
                        i++;
                        _inlineBuffer[w++] = line[i] switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            var other => other,
                        };
                    }
                    else if (c == (byte)'"')
                    {
                        if (i + 1 < line.Length && !IsSpace(line[i + 1])) return false;
                        done = true;
                    }
                    else
                    {
                        _inlineBuffer[w++] = c;
                    }
                }
                else if (inSingle)
                {
                    if (i >= line.Length) return false;
                    byte c = line[i];
                    if (c == (byte)'\\' && i + 1 < line.Length && line[i + 1] == (byte)'\'')
                    {
                        i++;
                        _inlineBuffer[w++] = (byte)'\'';
                    }
                    else if (c == (byte)'\'')
                    {
                        if (i + 1 < line.Length && !IsSpace(line[i + 1])) return false;
                        done = true;
                    }
                    else
                    {
                        _inlineBuffer[w++] = c;
                    }
                }
                else
                {
                    if (i >= line.Length) { done = true; break; }
                    byte c = line[i];
                    switch (c)
                    {
                        case (byte)' ': case (byte)'\n': case (byte)'\r': case (byte)'\t': case 0:
                            done = true;
                            break;
                        case (byte)'"':
                            inDouble = true;
                            break;
                        case (byte)'\'':
                            inSingle = true;
                            break;
                        default:
                            _inlineBuffer[w++] = c;
                            break;
                    }
                }
                if (i < line.Length) i++;
            }
            if (_argCount == _args.Length) Array.Resize(ref _args, _args.Length * 2);
            _args[_argCount++] = new ArgRange { Offset = start, Length = w - start };
        }
    }

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\v' or (byte)'\f';
    private static bool IsHex(byte c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
