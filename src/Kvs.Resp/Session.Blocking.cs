using Kvs.Core.Storage;
using Kvs.Resp.Blocking;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;
using Microsoft.AspNetCore.Connections.Features;

namespace Kvs.Resp;

/// <summary>
/// The session's side of blocking commands (see <see cref="BlockingManager"/> for the model).
/// <para>
/// Contract for a blocking handler (BLPOP, BLMOVE, BLMPOP here; BZPOPMIN, BZPOPMAX, BZMPOP later):
/// parse and validate everything (the timeout with <see cref="ParseBlockingTimeout"/>), then look
/// at the keys in order — skipping keys other than <see cref="ServingKey"/> when it is set — and
/// serve from the first one that has data. If none has: when <see cref="CanBlock"/> is false
/// (MULTI/EXEC, scripts) reply as on timeout at once; otherwise call <see cref="Block"/> and
/// return without a reply. The same handler is later re-run on the client's behalf, under the
/// lock, when a key it waits on receives data ("serve mode").
/// </para>
/// <para>
/// While blocked the session executes nothing else: the receive loop stops the batch after the
/// blocking command, leaves the unread input where it is (in the pipe, or in the accumulation
/// buffer), flushes, and awaits completion, the deadline or the connection's close; then it
/// writes the reply and resumes with the rest of its input.
/// </para>
/// </summary>
public sealed partial class Session
{
    /// <summary>The command currently executing (set by Invoke), for <see cref="Block"/>.</summary>
    private CommandDef? _currentCommand;

    /// <summary>Set when a re-run in serve mode found nothing to serve after all and asked to block again.</summary>
    private bool _serveDeclined;

    /// <summary>The blocked command this session waits on, or null.</summary>
    public BlockedClient? BlockedOn { get; private set; }

    /// <summary>In serve mode, the key whose data is being handed to this (blocked) client; null otherwise.</summary>
    internal byte[]? ServingKey { get; private set; }

    /// <summary>
    /// Set by MULTI/EXEC and by scripts while they run commands: Redis's CLIENT_DENY_BLOCKING, under
    /// which blocking commands reply as if they timed out instead of blocking.
    /// </summary>
    internal bool DenyBlocking { get; set; }

    /// <summary>Whether a blocking command may block now (false inside MULTI/EXEC and scripts).</summary>
    internal bool CanBlock => !DenyBlocking;

    /// <summary>True when a blocking handler runs for a ready key rather than for a new request.</summary>
    internal bool InServeMode => ServingKey != null;

    /// <summary>True unless serve mode restricts the handler to another key.</summary>
    internal bool MayServeFrom(ReadOnlySpan<byte> key) => ServingKey == null || key.SequenceEqual(ServingKey);

    /// <summary>
    /// Parses a blocking command's timeout (seconds, fractional) into an absolute deadline in unix
    /// milliseconds, 0 meaning forever; writes Redis's error otherwise.
    /// </summary>
    internal bool ParseBlockingTimeout(ReadOnlySpan<byte> arg, out long deadlineMs)
    {
        deadlineMs = 0;
        switch (BlockingTimeout.TryParseMilliseconds(arg, out long ms))
        {
            case BlockingTimeout.Result.NotFloat:
                WriteError("ERR timeout is not a float or out of range");
                return false;
            case BlockingTimeout.Result.Negative:
                WriteError("ERR timeout is negative");
                return false;
        }
        if (ms > 0)
        {
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            deadlineMs = ms > long.MaxValue - now ? long.MaxValue : now + ms;
        }
        return true;
    }

    /// <summary>
    /// Blocks this client on <c>args[firstKey .. firstKey + keyCount)</c> until one of them holds a
    /// value of <paramref name="type"/>. The handler returns without a reply. In serve mode this
    /// declines the serve instead (the client stays blocked).
    /// </summary>
    internal void Block(RespArgs args, int firstKey, int keyCount, KvsType type, long deadlineMs)
    {
        if (ServingKey != null)
        {
            _serveDeclined = true;
            return;
        }
        BlockedOn = _server.Blocking.Block(this, _currentCommand!, args, firstKey, keyCount, type, deadlineMs);
    }

    /// <summary>
    /// Serve mode: re-runs the blocked command for <paramref name="readyKey"/> with this session's
    /// database and protocol, its reply going to <paramref name="capture"/>. Called under the lock
    /// by the session whose write made the key ready. Returns false if it declined to serve.
    /// </summary>
    internal bool RunBlockedCommand(BlockedClient client, byte[] readyKey, RespWriter capture)
    {
        var saved = _writer;
        capture.Protocol = saved.Protocol;
        _writer = capture;
        ServingKey = readyKey;
        _serveDeclined = false;
        Ctx.Op = client.Command.Parent?.Name ?? client.Command.Name;
        Ctx.ModifiedBy = Name ?? User;
        try
        {
            client.Command.Handler!(this, client.Args);
        }
        finally
        {
            _writer = saved;
            ServingKey = null;
        }
        return !_serveDeclined;
    }

    /// <summary>Writes an error reply (counted in this session's error statistics) into another writer.</summary>
    internal void WriteErrorInto(RespWriter capture, string message)
    {
        var saved = _writer;
        capture.Protocol = saved.Protocol;
        _writer = capture;
        try
        {
            WriteError(message);
        }
        finally
        {
            _writer = saved;
        }
    }

    private static long UnixNowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>
    /// The receive loop's blocked state: flushes what the batch produced, waits for the blocked
    /// command to complete (served, CLIENT UNBLOCK), its deadline, or the connection's end, writes
    /// the reply and resumes the input kept in the accumulation buffer (which may block again).
    /// Returns false when the session must end. A client still waiting when this exits, however
    /// it exits, is removed from the manager.
    /// </summary>
    private async Task<bool> WaitWhileBlockedAsync(bool inputCompleted)
    {
        // The connection's end (FIN, reset, CLIENT KILL's abort) or a graceful server shutdown
        // (which would otherwise wait for a client blocked forever) ends the wait.
        var connectionClosed = _connection?.ConnectionClosed ?? CancellationToken.None;
        var shutdownRequested = _connection?.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed, shutdownRequested);
        var closed = stop.Token;
        try
        {
            while (BlockedOn is { } client)
            {
                var flush = await _output!.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted) return false;
                if (client.State == BlockState.Waiting && !inputCompleted && !_closeRequested && !closed.IsCancellationRequested)
                {
                    long remaining = client.DeadlineMs == 0 ? -1 : client.DeadlineMs - UnixNowMs();
                    if (remaining != 0 && (remaining > 0 || client.DeadlineMs == 0))
                    {
                        var wait = remaining < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Min(remaining, int.MaxValue));
                        try
                        {
                            await client.Completion.Task.WaitAsync(wait, closed).ConfigureAwait(false);
                        }
                        catch (TimeoutException) { }
                        catch (OperationCanceledException) { }
                    }
                }
                lock (_store.SyncRoot)
                {
                    _store.RefreshClock();
                    if (client.State == BlockState.Waiting)
                    {
                        if (inputCompleted || _closeRequested || closed.IsCancellationRequested)
                        {
                            _server.Blocking.Abandon(client);
                            BlockedOn = null;
                            return false;
                        }
                        if (client.DeadlineMs == 0 || UnixNowMs() < client.DeadlineMs) continue; // woke early: wait again
                        _server.Blocking.TimeOut(client);
                    }
                    BlockedOn = null;
                    if (client.State == BlockState.Completed) _writer.WriteRaw(client.Reply);
                    if (_accumLength > 0 && !_closeRequested) ProcessAccum();
                    _writer.Commit();
                }
            }
            var last = await _output!.FlushAsync().ConfigureAwait(false);
            return !last.IsCompleted;
        }
        finally
        {
            if (BlockedOn is { } left)
            {
                lock (_store.SyncRoot)
                {
                    _server.Blocking.Abandon(left);
                    BlockedOn = null;
                }
            }
        }
    }

    /// <summary>CLIENT UNBLOCK id [TIMEOUT|ERROR]: the reason is checked before the id, as in Redis.</summary>
    [RespCommand("client|unblock")]
    private void NetworkClientUnblock(RespArgs args)
    {
        if (args.Count > 4)
        {
            // Redis's addReplySubcommandSyntaxError (names the subcommand as typed): no 5-argument UNBLOCK.
            WriteError($"ERR unknown subcommand or wrong number of arguments for '{Truncate(args.ToUtf8String(1), 128)}'. Try CLIENT HELP.");
            return;
        }
        bool withError = false;
        if (args.Count == 4)
        {
            if (args.Is(3, "ERROR"u8)) withError = true;
            else if (!args.Is(3, "TIMEOUT"u8))
            {
                WriteError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                return;
            }
        }
        if (!ParseLongOrReply(args[2], out long id)) return;
        _writer.WriteInteger(_server.Blocking.Unblock(id, withError) ? 1 : 0);
    }
}
