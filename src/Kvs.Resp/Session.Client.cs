using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;
using Ascii = Kvs.Resp.Protocol.Ascii;

namespace Kvs.Resp;

/// <summary>
/// CLIENT subcommands: ID, SETNAME, GETNAME, SETINFO, INFO, LIST, KILL, NO-EVICT, NO-TOUCH, REPLY,
/// HELP, with Redis 7.0's replies and error texts (networking.c clientCommand).
/// </summary>
public sealed partial class Session
{
    /// <summary>Redis's client types (getClientTypeByName); Kvs has neither replicas nor masters.</summary>
    private enum ClientKind
    {
        None = -1,
        Normal,
        Replica,
        PubSub,
        Master,
    }

    [RespCommand("client|id")]
    private void ClientId(RespArgs args) => _writer.WriteInteger(Id);

    [RespCommand("client|getname")]
    private void ClientGetName(RespArgs args)
    {
        if (Name == null) _writer.WriteNull();
        else _writer.WriteBulk(Name);
    }

    [RespCommand("client|setname")]
    private void ClientSetName(RespArgs args)
    {
        if (TrySetClientName(args[2])) _writer.WriteOk();
    }

    /// <summary>
    /// Sets or (empty) clears the name, or writes Redis's error: names appear in CLIENT LIST, which
    /// must stay splittable at spaces, so only the printable ASCII characters '!'..'~' are allowed.
    /// </summary>
    private bool TrySetClientName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            Name = null;
            return true;
        }
        if (!IsClientAttributeText(name))
        {
            WriteError("ERR Client names cannot contain spaces, newlines or special characters.");
            return false;
        }
        Name = Encoding.ASCII.GetString(name);
        return true;
    }

    private static bool IsClientAttributeText(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
            if (b < (byte)'!' || b > (byte)'~') return false;
        return true;
    }

    /// <summary>CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; same validation as names, empty clears).</summary>
    [RespCommand("client|setinfo")]
    private void ClientSetInfo(RespArgs args)
    {
        bool isName = args.Is(2, "LIB-NAME"u8);
        if (!isName && !args.Is(2, "LIB-VER"u8))
        {
            WriteError($"ERR Unrecognized option '{args.ToUtf8String(2)}'");
            return;
        }
        var value = args[3];
        if (!IsClientAttributeText(value))
        {
            WriteError($"ERR {args.ToUtf8String(2)} cannot contain spaces, newlines or special characters.");
            return;
        }
        string? text = value.IsEmpty ? null : Encoding.ASCII.GetString(value);
        if (isName) LibName = text;
        else LibVersion = text;
        _writer.WriteOk();
    }

    [RespCommand("client|info")]
    private void ClientInfo(RespArgs args)
    {
        var sb = new StringBuilder(320);
        AppendClientInfo(sb);
        sb.Append('\n');
        _writer.WriteVerbatim("txt", sb.ToString());
    }

    /// <summary>CLIENT LIST [TYPE type] | [ID id ...]: one line per client, oldest first.</summary>
    [RespCommand("client|list")]
    private void ClientList(RespArgs args)
    {
        var sb = new StringBuilder(320);
        if (args.Count == 4 && args.Is(2, "TYPE"u8))
        {
            var kind = ParseClientKind(args[3]);
            if (kind == ClientKind.None)
            {
                WriteError($"ERR Unknown client type '{args.ToUtf8String(3)}'");
                return;
            }
            foreach (var s in SessionsById())
            {
                if (s.Kind != kind) continue;
                s.AppendClientInfo(sb);
                sb.Append('\n');
            }
        }
        else if (args.Count > 3 && args.Is(2, "ID"u8))
        {
            for (int j = 3; j < args.Count; j++)
            {
                if (!TryParseLong(args[j], out long id))
                {
                    WriteError("ERR Invalid client ID");
                    return;
                }
                var s = _server.FindSession(id);
                if (s == null || (s.IsClosing && s != this)) continue;
                s.AppendClientInfo(sb);
                sb.Append('\n');
            }
        }
        else if (args.Count != 2)
        {
            SyntaxError();
            return;
        }
        else
        {
            foreach (var s in SessionsById())
            {
                s.AppendClientInfo(sb);
                sb.Append('\n');
            }
        }
        _writer.WriteVerbatim("txt", sb.ToString());
    }

    /// <summary>
    /// The connected clients in connection order (Redis lists its client list in that order). A
    /// killed client whose connection is still winding down is left out: Redis frees it at once.
    /// </summary>
    private List<Session> SessionsById()
    {
        var list = new List<Session>(_server.ConnectedClients + 1);
        foreach (var s in _server.Sessions)
            if (!s.IsClosing || s == this) list.Add(s);
        list.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return list;
    }

    /// <summary>Killed, quitting or failed: the connection is closing.</summary>
    private bool IsClosing => _closeRequested;

    private static ClientKind ParseClientKind(ReadOnlySpan<byte> name)
    {
        if (Ascii.EqualsIgnoreCase(name, "NORMAL"u8)) return ClientKind.Normal;
        if (Ascii.EqualsIgnoreCase(name, "SLAVE"u8) || Ascii.EqualsIgnoreCase(name, "REPLICA"u8)) return ClientKind.Replica;
        if (Ascii.EqualsIgnoreCase(name, "PUBSUB"u8)) return ClientKind.PubSub;
        if (Ascii.EqualsIgnoreCase(name, "MASTER"u8)) return ClientKind.Master;
        return ClientKind.None;
    }

    /// <summary>Redis's getClientType: a client with at least one subscription is a pub/sub client.</summary>
    private ClientKind Kind
    {
        get
        {
            var state = DescribeClientState();
            return state.Channels + state.Patterns + state.ShardChannels > 0 ? ClientKind.PubSub : ClientKind.Normal;
        }
    }

    /// <summary>What other families know about a connection, for CLIENT LIST and TYPE filters.</summary>
    internal struct ClientStateInfo
    {
        public int Channels;
        public int Patterns;
        public int ShardChannels;
        /// <summary>Commands queued in MULTI, or -1 outside MULTI.</summary>
        public int MultiQueued;
        public bool Blocked;
        public bool DirtyCas;
        public bool Tracking;
    }

    private ClientStateInfo DescribeClientState()
    {
        var state = new ClientStateInfo { MultiQueued = -1 };
        DescribePubSubCore(ref state);
        DescribeTransactionCore(ref state);
        DescribeBlockingCore(ref state);
        return state;
    }

    /// <summary>Hook for the pub/sub family: subscription counts (CLIENT LIST sub/psub/ssub, flag P, TYPE pubsub).</summary>
    partial void DescribePubSubCore(ref ClientStateInfo state);

    /// <summary>Hook for the transaction family: MULTI queue length (multi=, flag x) and a dirty WATCH (flag d).</summary>
    partial void DescribeTransactionCore(ref ClientStateInfo state);

    /// <summary>Hook for blocking commands: whether the client is blocked (flag b).</summary>
    partial void DescribeBlockingCore(ref ClientStateInfo state);

    /// <summary>One CLIENT LIST line, fields in Redis 7.0's order (catClientInfoString).</summary>
    private void AppendClientInfo(StringBuilder sb)
    {
        var state = DescribeClientState();
        long now = Stopwatch.GetTimestamp();
        long age = (now - CreatedAt) / Stopwatch.Frequency;
        long idle = (now - LastInteraction) / Stopwatch.Frequency;
        var inv = CultureInfo.InvariantCulture;
        sb.Append("id=").Append(Id.ToString(inv));
        sb.Append(" addr=").Append(RemoteEndPoint);
        sb.Append(" laddr=").Append(LocalEndPoint);
        // The socket's real descriptor is not read: exposing Socket.Handle turns off optimizations
        // of .NET's socket engine. Redis's first client gets fd 8; a stand-in keeps lines unique.
        sb.Append(" fd=").Append((7 + Id).ToString(inv));
        sb.Append(" name=").Append(Name);
        sb.Append(" age=").Append(age.ToString(inv));
        sb.Append(" idle=").Append(idle.ToString(inv));
        sb.Append(" flags=");
        int flagsStart = sb.Length;
        if (state.Channels + state.Patterns + state.ShardChannels > 0) sb.Append('P');
        if (state.MultiQueued >= 0) sb.Append('x');
        if (state.Blocked) sb.Append('b');
        if (state.Tracking) sb.Append('t');
        if (state.DirtyCas) sb.Append('d');
        if (_closeRequested) sb.Append('c');
        if (NoEvict) sb.Append('e');
        if (NoTouch) sb.Append('T');
        if (sb.Length == flagsStart) sb.Append('N');
        sb.Append(" db=").Append(DatabaseIndex.ToString(inv));
        sb.Append(" sub=").Append(state.Channels.ToString(inv));
        sb.Append(" psub=").Append(state.Patterns.ToString(inv));
        sb.Append(" ssub=").Append(state.ShardChannels.ToString(inv));
        sb.Append(" multi=").Append(state.MultiQueued.ToString(inv));
        long qbuf = QueryBufferLength;
        long qbufFree = Math.Max(0, _accum.Length - _accumLength);
        sb.Append(" qbuf=").Append(qbuf.ToString(inv));
        sb.Append(" qbuf-free=").Append(qbufFree.ToString(inv));
        sb.Append(" argv-mem=0");
        sb.Append(" multi-mem=0");
        sb.Append(" rbs=1024 rbp=0");
        long pending = _writer.Pending;
        sb.Append(" obl=").Append(pending.ToString(inv));
        sb.Append(" oll=0 omem=0");
        sb.Append(" tot-mem=").Append((1024 + _accum.Length + pending + 2048).ToString(inv));
        sb.Append(" events=r");
        sb.Append(" cmd=").Append(LastCommand);
        sb.Append(" user=").Append(User);
        sb.Append(" redir=-1");
        sb.Append(" resp=").Append(Protocol.ToString(inv));
    }

    /// <summary>
    /// CLIENT KILL ip:port (old form: "+OK" or "No such client", may kill the caller) or
    /// CLIENT KILL filter value [filter value ...] (the number killed; the caller is skipped unless
    /// SKIPME no). Filters: ID, TYPE, ADDR, LADDR, USER, SKIPME and MAXAGE (seconds, Redis 7.4).
    /// Victims are closed at once; the caller, after this reply.
    /// </summary>
    [RespCommand("client|kill")]
    private void ClientKill(RespArgs args)
    {
        string? addr = null, laddr = null;
        var kind = ClientKind.None;
        long id = 0, maxAge = 0;
        bool skipMe = true, userFilter = false;
        if (args.Count == 3)
        {
            addr = args.ToUtf8String(2);
            skipMe = false;
        }
        else if (args.Count > 3)
        {
            for (int i = 2; i < args.Count; i += 2)
            {
                bool more = args.Count > i + 1;
                if (args.Is(i, "ID"u8) && more)
                {
                    if (!TryParseLong(args[i + 1], out id) || id < 1)
                    {
                        WriteError("ERR client-id should be greater than 0");
                        return;
                    }
                }
                else if (args.Is(i, "TYPE"u8) && more)
                {
                    kind = ParseClientKind(args[i + 1]);
                    if (kind == ClientKind.None)
                    {
                        WriteError($"ERR Unknown client type '{args.ToUtf8String(i + 1)}'");
                        return;
                    }
                }
                else if (args.Is(i, "ADDR"u8) && more)
                {
                    addr = args.ToUtf8String(i + 1);
                }
                else if (args.Is(i, "LADDR"u8) && more)
                {
                    laddr = args.ToUtf8String(i + 1);
                }
                else if (args.Is(i, "USER"u8) && more)
                {
                    if (!args[i + 1].SequenceEqual("default"u8))
                    {
                        WriteError($"ERR No such user '{args.ToUtf8String(i + 1)}'");
                        return;
                    }
                    userFilter = true;
                }
                else if (args.Is(i, "SKIPME"u8) && more)
                {
                    if (args.Is(i + 1, "YES"u8)) skipMe = true;
                    else if (args.Is(i + 1, "NO"u8)) skipMe = false;
                    else
                    {
                        SyntaxError();
                        return;
                    }
                }
                else if (args.Is(i, "MAXAGE"u8) && more)
                {
                    if (!TryParseLong(args[i + 1], out maxAge))
                    {
                        WriteError("ERR maxage is not an integer or out of range");
                        return;
                    }
                }
                else
                {
                    SyntaxError();
                    return;
                }
            }
        }
        else
        {
            SyntaxError();
            return;
        }

        long now = Stopwatch.GetTimestamp();
        int killed = 0;
        bool closeSelf = false;
        foreach (var s in SessionsById())
        {
            if (addr != null && s.RemoteEndPoint != addr) continue;
            if (laddr != null && s.LocalEndPoint != laddr) continue;
            if (kind != ClientKind.None && s.Kind != kind) continue;
            if (id != 0 && s.Id != id) continue;
            if (userFilter && s.User != "default") continue;
            if (maxAge != 0 && (now - s.CreatedAt) / Stopwatch.Frequency < maxAge) continue;
            if (s == this && skipMe) continue;
            if (s == this) closeSelf = true;
            else s.Close();
            killed++;
        }
        if (args.Count == 3)
        {
            if (killed == 0) WriteError("ERR No such client");
            else _writer.WriteOk();
        }
        else
        {
            _writer.WriteInteger(killed);
        }
        if (closeSelf) CloseAfterReply();
    }

    [RespCommand("client|no-evict")]
    private void ClientNoEvict(RespArgs args)
    {
        if (args.Is(2, "ON"u8)) NoEvict = true;
        else if (args.Is(2, "OFF"u8)) NoEvict = false;
        else
        {
            SyntaxError();
            return;
        }
        _writer.WriteOk();
    }

    [RespCommand("client|no-touch")]
    private void ClientNoTouch(RespArgs args)
    {
        if (args.Is(2, "ON"u8)) NoTouch = true;
        else if (args.Is(2, "OFF"u8)) NoTouch = false;
        else
        {
            SyntaxError();
            return;
        }
        _writer.WriteOk();
    }

    // ------------------------------------------------------------------ CLIENT REPLY

    /// <summary>CLIENT REPLY OFF: where replies go while they are switched off.</summary>
    private DiscardingBufferWriter? _replySink;

    /// <summary>CLIENT REPLY SKIP: drops the next command's reply, then passes everything through.</summary>
    private SkipOneReplyWriter? _skipSink;

    /// <summary>True while CLIENT REPLY OFF is in effect.</summary>
    private bool _writerTargetIsDiscard;

    /// <summary>
    /// CLIENT REPLY ON|OFF|SKIP. Rather than testing a flag in every reply path, the reply writer's
    /// target is swapped: OFF points it at a sink that drops the bytes, SKIP at a pass-through that
    /// drops exactly one complete RESP reply (the next command's) and then forwards straight to the
    /// connection. ON (and RESET) point it back at the connection.
    /// </summary>
    [RespCommand("client|reply")]
    private void ClientReply(RespArgs args)
    {
        if (args.Is(2, "ON"u8))
        {
            RestoreReplies();
            _writer.WriteOk();
        }
        else if (args.Is(2, "OFF"u8))
        {
            if (_output == null) return;
            _replySink ??= new DiscardingBufferWriter();
            _writer.Reset(_replySink);
            _writerTargetIsDiscard = true;
        }
        else if (args.Is(2, "SKIP"u8))
        {
            if (_output == null || _writerTargetIsDiscard) return;
            _skipSink ??= new SkipOneReplyWriter(_output);
            _skipSink.Arm();
            _writer.Reset(_skipSink);
        }
        else
        {
            SyntaxError();
        }
    }

    /// <summary>Points the reply writer back at the connection (CLIENT REPLY ON, RESET).</summary>
    private void RestoreReplies()
    {
        if (_output == null || (_replySink == null && _skipSink == null)) return;
        _writer.Reset(_output);
        _writerTargetIsDiscard = false;
    }

    [RespCommand("client|help")]
    private void ClientHelp(RespArgs args) => WriteHelp("CLIENT", ClientHelpLines);

    /// <summary>Redis 7.0's CLIENT HELP (plus 7.2's SETINFO and NO-TOUCH), by subcommand; only served subcommands are listed.</summary>
    private static readonly (string Sub, string[] Lines)[] ClientHelpLines =
    {
        ("caching", new[] { "CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes." }),
        ("getredir", new[] { "GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled." }),
        ("getname", new[] { "GETNAME", "    Return the name of the current connection." }),
        ("id", new[] { "ID", "    Return the ID of the current connection." }),
        ("info", new[] { "INFO", "    Return information about the current client connection." }),
        ("kill", new[]
        {
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "    * MAXAGE <maxage>",
            "      Kill connections older than the specified age.",
        }),
        ("list", new[]
        {
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
        }),
        ("unpause", new[] { "UNPAUSE", "    Stop the current client pause, resuming traffic." }),
        ("pause", new[] { "PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds." }),
        ("reply", new[] { "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection." }),
        ("setname", new[] { "SETNAME <name>", "    Assign the name <name> to the current connection." }),
        ("setinfo", new[]
        {
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
        }),
        ("unblock", new[] { "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client." }),
        ("tracking", new[]
        {
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
        }),
        ("trackinginfo", new[] { "TRACKINGINFO", "    Report tracking status for the current connection." }),
        ("no-evict", new[] { "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction." }),
        ("no-touch", new[] { "NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on." }),
    };

    /// <summary>"" stands for the container on its own (COMMAND without a subcommand).</summary>
    private static bool IsServedSubcommand(CommandDef? container, string sub) =>
        sub.Length == 0 || container?.Subcommands == null || container.Subcommands.ContainsKey(sub);

    /// <summary>
    /// Redis's addReplyHelp: "&lt;CMD&gt; &lt;subcommand&gt; [&lt;arg&gt; [value] [opt] ...]. Subcommands are:",
    /// the lines of the subcommands this server serves, then HELP, all as status strings.
    /// </summary>
    private void WriteHelp(string command, (string Sub, string[] Lines)[] entries)
    {
        var container = _server.Commands.Lookup(command);
        int count = 1 + 2;
        foreach (var (sub, lines) in entries)
            if (IsServedSubcommand(container, sub)) count += lines.Length;
        _writer.WriteArrayHeader(count);
        _writer.WriteSimpleString(command + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        foreach (var (sub, lines) in entries)
        {
            if (!IsServedSubcommand(container, sub)) continue;
            foreach (var line in lines) _writer.WriteSimpleString(line);
        }
        _writer.WriteSimpleString("HELP");
        _writer.WriteSimpleString("    Prints this help.");
    }
}

/// <summary>Accepts and forgets reply bytes (CLIENT REPLY OFF).</summary>
internal sealed class DiscardingBufferWriter : IBufferWriter<byte>
{
    private byte[] _scratch = new byte[4096];

    public void Advance(int count)
    {
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_scratch.Length < sizeHint) _scratch = new byte[sizeHint];
        return _scratch;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}

/// <summary>
/// CLIENT REPLY SKIP: a reply target that drops exactly one complete RESP value, found by parsing
/// the reply stream's framing (type lines, bulk lengths, aggregate counts), and forwards all bytes
/// after it to the connection. Once the value is complete it hands out the connection's own
/// memory, so later replies are not copied.
/// </summary>
internal sealed class SkipOneReplyWriter(PipeWriter output) : IBufferWriter<byte>
{
    private readonly PipeWriter _output = output;
    private byte[] _buffer = new byte[4096];
    private bool _handedOutput;
    private bool _done = true;

    // Framing state: remaining elements per open aggregate, the current line, bulk payload to skip.
    private readonly Stack<long> _open = new();
    private bool _inLine;
    private byte _lineType;
    private long _lineNumber;
    private bool _lineNegative;
    private long _payloadLeft;

    /// <summary>Starts dropping the next complete reply.</summary>
    public void Arm()
    {
        _done = false;
        _open.Clear();
        _inLine = false;
        _payloadLeft = 0;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_done)
        {
            _handedOutput = true;
            return _output.GetMemory(sizeHint);
        }
        _handedOutput = false;
        if (_buffer.Length < sizeHint) _buffer = new byte[sizeHint];
        return _buffer;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public void Advance(int count)
    {
        if (_handedOutput)
        {
            _output.Advance(count);
            return;
        }
        int consumed = Skip(_buffer.AsSpan(0, count));
        if (consumed < count) _output.Write(_buffer.AsSpan(consumed, count - consumed));
    }

    /// <summary>Consumes bytes of the reply being dropped; returns how many belonged to it.</summary>
    private int Skip(ReadOnlySpan<byte> data)
    {
        int i = 0;
        while (i < data.Length && !_done)
        {
            if (_payloadLeft > 0)
            {
                int n = (int)Math.Min(_payloadLeft, data.Length - i);
                i += n;
                _payloadLeft -= n;
                if (_payloadLeft == 0) CompleteValue();
                continue;
            }
            byte b = data[i++];
            if (!_inLine)
            {
                _inLine = true;
                _lineType = b;
                _lineNumber = 0;
                _lineNegative = false;
                continue;
            }
            if (b == (byte)'\n')
            {
                _inLine = false;
                EndLine();
            }
            else if (b == (byte)'-' && _lineNumber == 0)
            {
                _lineNegative = true;
            }
            else if (b >= (byte)'0' && b <= (byte)'9')
            {
                _lineNumber = _lineNumber * 10 + (b - '0');
            }
        }
        return i;
    }

    private void EndLine()
    {
        long n = _lineNegative ? -_lineNumber : _lineNumber;
        switch (_lineType)
        {
            case (byte)'$':
            case (byte)'=':
            case (byte)'!':
                if (n < 0) CompleteValue();
                else _payloadLeft = n + 2;
                break;
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
                if (n <= 0) CompleteValue();
                else _open.Push(n);
                break;
            case (byte)'%':
                if (n <= 0) CompleteValue();
                else _open.Push(n * 2);
                break;
            case (byte)'|':
                // An attribute precedes the value it describes: its pairs plus that value.
                _open.Push(n * 2 + 1);
                break;
            default:
                CompleteValue();
                break;
        }
    }

    private void CompleteValue()
    {
        while (true)
        {
            if (_open.Count == 0)
            {
                _done = true;
                return;
            }
            long left = _open.Pop() - 1;
            if (left > 0)
            {
                _open.Push(left);
                return;
            }
        }
    }
}
