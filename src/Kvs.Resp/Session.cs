using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Kvs.Core.Config;
using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Kvs.Resp;

/// <summary>
/// One client connection: reads requests from the transport's PipeReader, executes each command
/// under the store lock and writes replies to the PipeWriter.
/// <para>
/// Receive loop: every complete command in a read is executed in one pass (one lock acquisition,
/// one clock read), replies are written straight into the output pipe and flushed once per read;
/// awaiting the flush is the back-pressure that stops a client that does not read its replies
/// from making us buffer without bound. A command split across reads is resumed, not re-parsed;
/// when it spans buffer segments its bytes are gathered in a session-owned buffer (bounded by
/// client-query-buffer-limit).
/// </para>
/// Command families live in <c>Session.*.cs</c> partial files, one per family (Garnet's layout).
/// </summary>
public sealed partial class Session
{
    private readonly RespServer _server;
    /// <summary>The store as sessions see it: the bare orchestrator, or its logging decorator when debug logging is on.</summary>
    private readonly IKvsStore _store;
    private readonly ServerConfig _config;
    private readonly RequestParser _parser = new();
    private readonly ConnectionContext? _connection;
    private RespWriter _writer;
    private PipeWriter? _output;

    /// <summary>Bytes of a command that spanned segments or reads, gathered contiguously.</summary>
    private byte[] _accum = Array.Empty<byte>();
    private int _accumLength;

    /// <summary>
    /// Bytes of a partial command left in the pipe by the last read (fast path); the next read
    /// returns them again, so they are not counted twice in total_net_input_bytes.
    /// </summary>
    private long _leftInPipe;

    private volatile bool _closeRequested;
    private bool _commandFailed;

    public Session(RespServer server, ConnectionContext? connection)
    {
        _server = server;
        _store = server.SessionStore;
        _config = server.Config;
        _connection = connection;
        Id = server.NextClientId();
        Database = _store.GetDatabase(0);
        _writer = new RespWriter(new ArrayBufferWriter<byte>());
        Authenticated = _config.RequirePass.Length == 0;
        CreatedAt = Stopwatch.GetTimestamp();
        LastInteraction = CreatedAt;
        if (connection != null)
        {
            RemoteEndPoint = FormatEndPoint(connection.RemoteEndPoint);
            LocalEndPoint = FormatEndPoint(connection.LocalEndPoint);
        }
    }

    public long Id { get; }
    public string? Name { get; internal set; }
    public string? LibName { get; internal set; }
    public string? LibVersion { get; internal set; }
    public string User { get; internal set; } = "default";
    public bool Authenticated { get; internal set; }
    public Database Database { get; private set; }
    public int DatabaseIndex => Database.Index;
    public string RemoteEndPoint { get; } = "?:0";
    public string LocalEndPoint { get; } = "?:0";
    public long CreatedAt { get; }
    public long LastInteraction { get; private set; }
    public string LastCommand { get; private set; } = "NULL";
    public bool NoEvict { get; internal set; }
    public bool NoTouch { get; internal set; }
    public int Protocol => _writer.Protocol;
    public int QueryBufferLength => _accumLength;

    /// <summary>The current command's metadata context (op, modified_by).</summary>
    internal WriteContext Ctx { get; } = new();

    internal RespWriter Writer => _writer;
    internal KvsStore Store => _server.Store;
    internal RespServer Server => _server;

    private static string FormatEndPoint(EndPoint? ep) => ep switch
    {
        IPEndPoint ip => $"{(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address)}:{ip.Port}",
        null => "?:0",
        _ => ep.ToString() ?? "?:0",
    };

    /// <summary>Closes the connection after the pending replies are written (QUIT, CLIENT KILL, protocol errors).</summary>
    public void Close()
    {
        _closeRequested = true;
        BlockedOn?.Completion.TrySetResult();
        _connection?.Abort(new ConnectionAbortedException("Killed"));
    }

    internal void CloseAfterReply() => _closeRequested = true;

    // ------------------------------------------------------------------ receive loop

    public async Task RunAsync(IDuplexPipe transport)
    {
        var input = transport.Input;
        _output = transport.Output;
        _writer = new RespWriter(_output) { Protocol = 2 };
        // Graceful shutdown: Kestrel asks every connection to close and waits for its handler to
        // return. A session idle in ReadAsync would keep it waiting for the whole shutdown
        // timeout, so the request wakes the read up; what was already received is still executed
        // and its replies flushed before the loop ends (IsCanceled).
        using var closeRequested = _connection?.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested.Register(static state => ((PipeReader)state!).CancelPendingRead(), input);
        try
        {
            while (!_closeRequested)
            {
                ReadResult result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                SequencePosition consumed;
                Task? durable;
                lock (_store.SyncRoot)
                {
                    _store.RefreshClock();
                    _server.TotalNetInputBytes += buffer.Length - _leftInPipe;
                    consumed = ProcessInput(buffer);
                    _writer.Commit();
                    // appendfsync always: the replies wait until every logged change they may
                    // reveal is on disk (group commit with the other sessions; Session.Persistence.cs).
                    durable = _server.Persistence?.Journal?.PendingDurability();
                }
                if (BlockedOn != null)
                {
                    // A blocking command stopped the batch: what follows it stays unexamined, so
                    // the next read returns it at once after the client is unblocked.
                    input.AdvanceTo(consumed);
                    if (!await WaitWhileBlockedAsync(result.IsCompleted).ConfigureAwait(false)) break;
                    continue;
                }
                input.AdvanceTo(consumed, buffer.End);
                if (durable != null) await durable.ConfigureAwait(false);
                var flush = await _output.FlushAsync().ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled || flush.IsCompleted) break;
            }
        }
        catch (ConnectionResetException) { }
        catch (ConnectionAbortedException) { }
        catch (IOException) { }
        catch (OperationCanceledException) { }
        catch (InvalidOperationException) when (_closeRequested) { }
        finally
        {
            _server.TotalNetOutputBytes += _writer.BytesWritten;
            OnDisconnected();
        }
    }

    /// <summary>Hook for cleanup of per-connection state owned by other families (pub/sub, blocking, WATCH).</summary>
    partial void OnDisconnectedCore();

    private void OnDisconnected() => OnDisconnectedCore();

    /// <summary>Executes every complete command in <paramref name="buffer"/>; returns how far it was consumed.</summary>
    private SequencePosition ProcessInput(in ReadOnlySequence<byte> buffer)
    {
        _leftInPipe = 0;
        // Read per batch so that CONFIG SET proto-max-bulk-len applies from the next read on.
        _parser.ProtoMaxBulkLen = _config.ProtoMaxBulkLen;
        if (_accumLength > 0)
        {
            AppendToAccum(buffer);
            ProcessAccum();
            return buffer.End;
        }
        var remaining = buffer;
        while (!remaining.IsEmpty && !_closeRequested && BlockedOn == null)
        {
            var span = remaining.FirstSpan;
            _parser.Unauthenticated = !Authenticated;
            var status = _parser.Parse(span, out int consumed);
            switch (status)
            {
                case ParseStatus.Command:
                    Execute(_parser.GetArgs(span));
                    _parser.Reset();
                    remaining = remaining.Slice(consumed);
                    break;
                case ParseStatus.Empty:
                    _parser.Reset();
                    remaining = remaining.Slice(consumed);
                    break;
                case ParseStatus.NeedMore:
                    if (span.Length == remaining.Length)
                    {
                        _leftInPipe = remaining.Length;
                        return remaining.Start;
                    }
                    AppendToAccum(remaining);
                    ProcessAccum();
                    return buffer.End;
                default:
                    ProtocolError();
                    return buffer.End;
            }
        }
        return remaining.Start;
    }

    private void ProcessAccum()
    {
        int start = 0;
        while (start < _accumLength && !_closeRequested && BlockedOn == null)
        {
            var span = _accum.AsSpan(start, _accumLength - start);
            // Per command: an AUTH earlier in the same batch lifts the limits for what follows.
            _parser.Unauthenticated = !Authenticated;
            var status = _parser.Parse(span, out int consumed);
            if (status == ParseStatus.Command)
            {
                Execute(_parser.GetArgs(span));
                _parser.Reset();
                start += consumed;
            }
            else if (status == ParseStatus.Empty)
            {
                _parser.Reset();
                start += consumed;
            }
            else if (status == ParseStatus.NeedMore)
            {
                break;
            }
            else
            {
                ProtocolError();
                return;
            }
        }
        if (start > 0)
        {
            Buffer.BlockCopy(_accum, start, _accum, 0, _accumLength - start);
            _accumLength -= start;
        }
        if (_accumLength == 0 && _accum.Length > 64 * 1024) _accum = Array.Empty<byte>();
        if (_accumLength > _config.ClientQueryBufferLimit)
        {
            _server.Logger.LogWarning("Closing client {Id} ({Addr}) that reached max query buffer length ({Bytes} bytes)", Id, RemoteEndPoint, _accumLength);
            Close();
        }
    }

    private void AppendToAccum(in ReadOnlySequence<byte> data)
    {
        long needed = _accumLength + data.Length;
        if (needed > _accum.Length)
        {
            long size = Math.Max(4096, (long)_accum.Length * 2);
            while (size < needed) size *= 2;
            size = Math.Min(size, Array.MaxLength);
            if (needed > size)
            {
                Close();
                return;
            }
            var bigger = GC.AllocateUninitializedArray<byte>((int)size);
            Buffer.BlockCopy(_accum, 0, bigger, 0, _accumLength);
            _accum = bigger;
        }
        data.CopyTo(_accum.AsSpan(_accumLength));
        _accumLength += (int)data.Length;
    }

    private void ProtocolError()
    {
        // Redis echoes the offending byte as it came ("expected '$', got '\xff'"). The parser's
        // message holds one char per byte (Latin-1), so it is written byte for byte, with CR and
        // LF turned into spaces as addReplyErrorFormat does.
        string message = "ERR " + _parser.Error;
        Span<byte> bytes = stackalloc byte[message.Length];
        for (int i = 0; i < message.Length; i++)
            bytes[i] = message[i] is '\r' or '\n' ? (byte)' ' : (byte)message[i];
        _writer.WriteError(bytes);
        CountErrorReply(message);
        _server.Logger.LogInformation("Protocol error ({Error}) from client {Id} ({Addr})", _parser.Error, Id, RemoteEndPoint);
        _parser.Reset();
        _accumLength = 0;
        _closeRequested = true;
    }

    // ------------------------------------------------------------------ dispatch

    /// <summary>Looks up, checks and runs one command, keeping INFO commandstats.</summary>
    internal void Execute(RespArgs args)
    {
        var def = _server.Commands.Lookup(args[0]);
        if (def == null)
        {
            UnknownCommand(args);
            return;
        }
        if (def.Subcommands != null && def.Handler == null && args.Count >= 2)
        {
            var sub = CommandTable.LookupSubcommand(def, args[1]);
            if (sub == null)
            {
                // As in Redis, an unknown subcommand counts in errorstats only, not in the
                // container's commandstats (there is no command to charge it to).
                WriteError($"ERR unknown subcommand '{Truncate(args.ToUtf8String(1), 128)}'. Try {def.DisplayName} HELP.");
                return;
            }
            def = sub;
        }
        if (!def.ArityMatches(args.Count))
        {
            Reject(def, $"ERR wrong number of arguments for '{def.Name}' command");
            return;
        }
        if (!Authenticated && (def.Flags & CommandFlags.NoAuth) == 0)
        {
            Reject(def, "NOAUTH Authentication required.");
            return;
        }
        if (RejectedByPersistence(def)) return;
        if (!BeforeExecute(def, args)) return;
        Invoke(def, args);
        // Clients blocked on keys this command filled are served now, before the next command (Redis's handleClientsBlockedOnKeys).
        if (_server.Blocking.HasReadyKeys) _server.Blocking.ServeReadyKeys();
    }

    /// <summary>Runs a checked command and records its statistics.</summary>
    internal void Invoke(CommandDef def, RespArgs args)
    {
        LastCommand = def.Name;
        _currentCommand = def;
        Ctx.Op = def.Parent?.Name ?? def.Name;
        Ctx.ModifiedBy = Name ?? User;
        _commandFailed = false;
        long start = Stopwatch.GetTimestamp();
        // Durability: a write command is appended to the AOF (Session.Persistence.cs).
        var journal = def.IsWrite ? _server.Persistence?.Journal : null;
        if (journal == null) def.Handler!(this, args);
        else InvokeJournaled(journal, def, args);
        long elapsed = Stopwatch.GetTimestamp() - start;
        def.Calls++;
        def.Microseconds += elapsed * 1_000_000 / Stopwatch.Frequency;
        if (_commandFailed) def.FailedCalls++;
        _server.TotalCommandsProcessed++;
    }

    /// <summary>Hook for MULTI queueing and other pre-checks (returns false when the command was handled).</summary>
    private bool BeforeExecute(CommandDef def, RespArgs args)
    {
        bool proceed = true;
        BeforeExecuteCore(def, args, ref proceed);
        return proceed;
    }

    partial void BeforeExecuteCore(CommandDef def, RespArgs args, ref bool proceed);

    /// <summary>
    /// Redis's reply to an unknown command, byte for byte: the name as "%.128s", then each
    /// argument as "'%.*s' " while the list is shorter than 128 bytes. Bytes are copied as they
    /// came (no UTF-8 round trip); as with C's %s a NUL ends a name or argument, and CR/LF
    /// become spaces (addReplyErrorFormat).
    /// </summary>
    private void UnknownCommand(RespArgs args)
    {
        Span<byte> message = stackalloc byte[512];
        int n = Append(message, 0, "ERR unknown command '"u8);
        n = Append(message, n, CString(args[0], 128));
        n = Append(message, n, "', with args beginning with: "u8);
        int listStart = n;
        for (int i = 1; i < args.Count && n - listStart < 128; i++)
        {
            int room = 128 - (n - listStart);
            n = Append(message, n, "'"u8);
            n = Append(message, n, CString(args[i], room));
            n = Append(message, n, "' "u8);
        }
        for (int i = 0; i < n; i++)
            if (message[i] is (byte)'\r' or (byte)'\n') message[i] = (byte)' ';
        _writer.WriteError(message[..n]);
        CountErrorReply("ERR");

        static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> s, int max)
        {
            int nul = s.IndexOf((byte)0);
            if (nul >= 0) s = s[..nul];
            return s.Length <= max ? s : s[..max];
        }

        static int Append(Span<byte> to, int at, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(to[at..]);
            return at + bytes.Length;
        }
    }

    private void Reject(CommandDef def, string message)
    {
        def.RejectedCalls++;
        WriteError(message);
    }

    internal static string Truncate(string s, int max) => s.Length <= max ? s : s[..Math.Max(0, max)];

    // ------------------------------------------------------------------ reply helpers

    /// <summary>Writes an error reply and counts it (INFO errorstats, failed_calls).</summary>
    internal void WriteError(string message)
    {
        _writer.WriteError(message);
        CountErrorReply(message);
    }

    /// <summary>Counts an error reply by its code (INFO errorstats, failed_calls).</summary>
    private void CountErrorReply(string message)
    {
        _commandFailed = true;
        _server.TotalErrorReplies++;
        int space = message.IndexOf(' ');
        string code = space < 0 ? message : message[..space];
        _server.ErrorStats.AddOrUpdate(code, 1, (_, n) => n + 1);
    }

    internal void WrongType() => WriteError("WRONGTYPE Operation against a key holding the wrong kind of value");
    internal void SyntaxError() => WriteError("ERR syntax error");
    internal void NotInteger() => WriteError("ERR value is not an integer or out of range");
    internal void NotFloat() => WriteError("ERR value is not a valid float");
    internal void WrongArgs(string command) => WriteError($"ERR wrong number of arguments for '{command}' command");

    internal void SelectDatabase(int index) => Database = _store.GetDatabase(index);
}
