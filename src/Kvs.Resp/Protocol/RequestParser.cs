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
/// Incremental RESP request parser with Redis's rules and error texts (networking.c,
/// processMultibulkBuffer / processInlineBuffer / sdssplitargs).
/// <para>
/// It parses one command at a time from a span that starts at the command's first byte. When
/// the span ends mid-command it returns <see cref="ParseStatus.NeedMore"/> and keeps its
/// position and the arguments found so far, all as offsets from the command's start, so the
/// caller may hand it a longer span (the same bytes plus more, possibly copied elsewhere) and no
/// byte is scanned twice (a line being searched for its end remembers how far it looked).
/// Nothing is allocated per argument; the argument table grows with the widest command seen
/// and is given back after an unusually wide one.
/// </para>
/// <para>
/// Redis details reproduced on purpose, because they decide which bytes get which reply:
/// a line end is searched for with <c>strchr</c>, so a NUL byte before the <c>\r</c> of a length
/// header or the <c>\n</c> of an inline command hides the line end for good (the client then
/// waits until 64 KB are buffered and gets "too big ..."); a length header is complete only
/// when one byte follows its <c>\r</c> (that byte is skipped, not checked), and the <c>'$'</c>
/// is checked only then; the two bytes after a bulk payload are skipped unchecked.
/// Redis reads 16 KB at a time and applies the 64 KB line limit only while the line end has not
/// arrived, so whether a 70 KB line passes depends on timing there; here a line longer than
/// 64 KB is always refused, whatever the chunking.
/// </para>
/// </summary>
public sealed class RequestParser
{
    /// <summary>Redis's PROTO_INLINE_MAX_SIZE: longest inline line and longest length header.</summary>
    public const int InlineMaxSize = 64 * 1024;

    /// <summary>Redis's limit on the argument count of an unauthenticated client (CVE-2021-32675).</summary>
    public const int UnauthenticatedMaxArgs = 10;

    /// <summary>Redis's limit on one argument's length for an unauthenticated client.</summary>
    public const int UnauthenticatedMaxBulk = 16384;

    /// <summary>Argument tables wider than this are dropped after their command, so memory stays bounded.</summary>
    private const int RetainedArgsMax = 1024;

    private ArgRange[] _args = new ArgRange[8];
    private int _argCount;
    private long _expected = -1;
    private int _pos;
    private long _bulkLen = -1;
    private bool _inline;
    private byte[] _inlineBuffer = Array.Empty<byte>();

    /// <summary>How far the line being searched has been scanned without finding its end.</summary>
    private int _lineScanned;

    /// <summary>A NUL came before the line end: like Redis's strchr, the end is never found.</summary>
    private bool _lineHidden;

    public long ProtoMaxBulkLen { get; set; } = 512L * 1024 * 1024;

    /// <summary>Unauthenticated connections get tighter limits (Redis 7.0's CVE-2021-32675 fix).</summary>
    public bool Unauthenticated { get; set; }

    public string? Error { get; private set; }

    /// <summary>True while a command is partly parsed.</summary>
    public bool InProgress => _expected >= 0 || _pos > 0 || _inline || _lineScanned > 0 || _lineHidden;

    /// <summary>Bytes of the current command consumed so far (complete headers and arguments).</summary>
    public int Position => _pos;

    /// <summary>Bytes the current command needs at least, when known (for growing a buffer).</summary>
    public long MinimumNeeded => _bulkLen >= 0 ? _pos + _bulkLen + 2 : Math.Max(_pos, _lineScanned) + 1;

    /// <summary>Memory the parser keeps between commands (argument table and inline buffer), for bounds checks.</summary>
    public int RetainedBytes => _args.Length * 8 + _inlineBuffer.Length;

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
        _lineScanned = 0;
        _lineHidden = false;
        Error = null;
        if (_args.Length > RetainedArgsMax) _args = new ArgRange[8];
    }

    /// <summary>
    /// Parses from <paramref name="data"/>, which starts at the current command's first byte.
    /// On <see cref="ParseStatus.Command"/> and <see cref="ParseStatus.Empty"/>, <paramref name="consumed"/>
    /// is the command's length.
    /// </summary>
    public ParseStatus Parse(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        if (_inline) return ParseInline(data, out consumed);
        if (_expected < 0)
        {
            if (data.IsEmpty) return ParseStatus.NeedMore;
            if (data[0] != (byte)'*')
            {
                _inline = true;
                _argCount = 0;
                return ParseInline(data, out consumed);
            }
            var header = ParseLength(data, 0, isBulk: false, out long count);
            if (header != ParseStatus.Command) return header;
            if (count <= 0)
            {
                consumed = _pos;
                _pos = 0;
                return ParseStatus.Empty;
            }
            _expected = count;
            _argCount = 0;
        }

        while (_argCount < _expected)
        {
            if (_bulkLen < 0)
            {
                var header = ParseLength(data, _pos, isBulk: true, out long len);
                if (header != ParseStatus.Command) return header;
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

    /// <summary>
    /// Parses <c>*n\r?</c> or <c>$n\r?</c> at <paramref name="at"/>, in processMultibulkBuffer's
    /// order of checks; on success moves <see cref="_pos"/> past it.
    /// </summary>
    private ParseStatus ParseLength(ReadOnlySpan<byte> data, int at, bool isBulk, out long value)
    {
        value = 0;
        int cr = FindLineEnd(data, at, (byte)'\r');
        if (cr < 0 ? data.Length - at > InlineMaxSize : cr - at > InlineMaxSize)
            return Fail(isBulk ? "Protocol error: too big bulk count string" : "Protocol error: too big mbulk count string");
        // Redis needs the byte after '\r' to be present (it is skipped, not checked).
        if (cr < 0 || cr > data.Length - 2) return ParseStatus.NeedMore;
        if (isBulk && data[at] != (byte)'$')
            return Fail("Protocol error: expected '$', got '" + (char)data[at] + "'");
        bool ok = TryParseStrictInt64(data.Slice(at + 1, cr - at - 1), out value);
        if (isBulk)
        {
            if (!ok || value < 0 || value > ProtoMaxBulkLen) return Fail("Protocol error: invalid bulk length");
            if (Unauthenticated && value > UnauthenticatedMaxBulk) return Fail("Protocol error: unauthenticated bulk length");
        }
        else
        {
            if (!ok || value > int.MaxValue) return Fail("Protocol error: invalid multibulk length");
            if (Unauthenticated && value > UnauthenticatedMaxArgs) return Fail("Protocol error: unauthenticated multibulk length");
        }
        _pos = cr + 2;
        _lineScanned = 0;
        return ParseStatus.Command;
    }

    /// <summary>
    /// strchr(line, <paramref name="end"/>) over the bytes received so far, resuming where the
    /// previous call stopped: the index of the line end, or -1 when it is not (or never will be)
    /// there.
    /// </summary>
    private int FindLineEnd(ReadOnlySpan<byte> data, int lineStart, byte end)
    {
        if (_lineHidden) return -1;
        int from = Math.Max(lineStart, _lineScanned);
        int found = data.Slice(from).IndexOfAny(end, (byte)0);
        if (found < 0)
        {
            _lineScanned = data.Length;
            return -1;
        }
        found += from;
        if (data[found] == 0)
        {
            _lineHidden = true;
            return -1;
        }
        _lineScanned = found;
        return found;
    }

    /// <summary>The message is kept as Latin-1 text: each char is one byte of what Redis sends.</summary>
    private ParseStatus Fail(string message)
    {
        Error = message;
        return ParseStatus.Error;
    }

    /// <summary>Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, fits in 64 bits.</summary>
    public static bool TryParseStrictInt64(ReadOnlySpan<byte> s, out long value) => Kvs.Core.Text.RedisInteger.TryParse(s, out value);

    private ParseStatus ParseInline(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        int nl = FindLineEnd(data, 0, (byte)'\n');
        // Redis refuses once more than 64 KB are buffered without a newline.
        if (nl < 0 ? data.Length > InlineMaxSize : nl > InlineMaxSize) return Fail("Protocol error: too big inline request");
        if (nl < 0) return ParseStatus.NeedMore;
        int end = nl;
        if (end > 0 && data[end - 1] == (byte)'\r') end--;
        var line = data.Slice(0, end);
        if (_inlineBuffer.Length < line.Length) _inlineBuffer = new byte[Math.Max(line.Length, 256)];
        if (!SplitArgs(line, _inlineBuffer, ref _args, out _argCount)) return Fail("Protocol error: unbalanced quotes in request");
        consumed = nl + 1;
        _lineScanned = 0;
        if (_argCount == 0)
        {
            _inline = false;
            return ParseStatus.Empty;
        }
        return ParseStatus.Command;
    }

    /// <summary>
    /// Redis's sdssplitargs (inline commands, redis.conf lines): arguments separated by blanks,
    /// "double quotes" with \n \r \t \b \a \xHH and \&lt;any&gt; escapes, 'single quotes' with \' only;
    /// a closing quote must be followed by a blank or the end. Like the C original, a NUL ends
    /// the line. Unescaped bytes go to <paramref name="output"/> (at least as long as the line),
    /// their ranges to <paramref name="args"/> (grown as needed). Returns false on unbalanced quotes.
    /// </summary>
    public static bool SplitArgs(ReadOnlySpan<byte> line, Span<byte> output, ref ArgRange[] args, out int count)
    {
        int nul = line.IndexOf((byte)0);
        if (nul >= 0) line = line.Slice(0, nul);
        count = 0;
        int p = 0;
        int w = 0;
        while (true)
        {
            while (At(line, p) != 0 && IsCSpace(At(line, p))) p++;
            if (At(line, p) == 0) return true;
            int start = w;
            bool inDouble = false, inSingle = false, done = false;
            while (!done)
            {
                byte c = At(line, p);
                if (inDouble)
                {
                    if (c == (byte)'\\' && At(line, p + 1) == (byte)'x' && IsHex(At(line, p + 2)) && IsHex(At(line, p + 3)))
                    {
                        output[w++] = (byte)(HexValue(At(line, p + 2)) * 16 + HexValue(At(line, p + 3)));
                        p += 3;
                    }
                    else if (c == (byte)'\\' && At(line, p + 1) != 0)
                    {
                        p++;
                        output[w++] = line[p] switch
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
                        if (At(line, p + 1) != 0 && !IsCSpace(At(line, p + 1))) return false;
                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false;
                    }
                    else
                    {
                        output[w++] = c;
                    }
                }
                else if (inSingle)
                {
                    if (c == (byte)'\\' && At(line, p + 1) == (byte)'\'')
                    {
                        p++;
                        output[w++] = (byte)'\'';
                    }
                    else if (c == (byte)'\'')
                    {
                        if (At(line, p + 1) != 0 && !IsCSpace(At(line, p + 1))) return false;
                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false;
                    }
                    else
                    {
                        output[w++] = c;
                    }
                }
                else
                {
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
                            output[w++] = c;
                            break;
                    }
                }
                if (At(line, p) != 0) p++;
            }
            if (count == args.Length) Array.Resize(ref args, args.Length * 2);
            args[count++] = new ArgRange { Offset = start, Length = w - start };
        }
    }

    /// <summary>The byte at <paramref name="i"/>, or the C string's terminating NUL past the end.</summary>
    private static byte At(ReadOnlySpan<byte> s, int i) => (uint)i < (uint)s.Length ? s[i] : (byte)0;

    /// <summary>C's isspace in the C locale (bytes above 127 are not blanks).</summary>
    private static bool IsCSpace(byte c) => c is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\v' or (byte)'\f';
    private static bool IsHex(byte c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
