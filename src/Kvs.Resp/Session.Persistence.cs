using System.Buffers;
using Kvs.Core.Persistence;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;
using Microsoft.Extensions.Logging;

namespace Kvs.Resp;

/// <summary>
/// Durability from the session's side: SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE; the AOF hook that
/// logs write commands; MISCONF refusals; and the replay of logged commands at start-up.
/// <para>
/// The AOF logs commands, not states (docs/adr/0004-durability.md). A write command's record —
/// db, the batch clock, the revision before it, the author, the arguments as sent — is appended
/// before the handler runs, so that commands nested inside it (a blocked client served by a
/// push) land after it, in the order their effects happened; if the revision did not move, the
/// command changed nothing and the record is taken back. Handlers whose effect is not a
/// deterministic function of their arguments and the data (SPOP, SRANDMEMBER-based writes, a
/// blocking pop served later) call <see cref="RewriteForLog"/> to log what they did instead.
/// </para>
/// </summary>
public sealed partial class Session
{
    /// <summary>The record of the write command being executed (for <see cref="RewriteForLog"/>).</summary>
    private readonly record struct JournalRecord(AppendOnlyLog? Journal, long Start, long End, int Db, long RevisionBefore, string? ModifiedBy);

    private JournalRecord _journalRecord;

    /// <summary>Runs a write command with its AOF record (see the class summary).</summary>
    private void InvokeJournaled(AppendOnlyLog journal, CommandDef def, RespArgs args)
    {
        long revisionBefore = _store.Revision;
        int db = Database.Index;
        long start = journal.BeginCommand(db, _store.Now, revisionBefore, Ctx.ModifiedBy, Ctx.Comment, null, args.Count);
        for (int i = 0; i < args.Count; i++) journal.AddArg(args[i]);
        long end = journal.EndRecord(start);
        var outer = _journalRecord;
        _journalRecord = new JournalRecord(journal, start, end, db, revisionBefore, Ctx.ModifiedBy);
        journal.CommandDepth++;
        try
        {
            def.Handler!(this, args);
        }
        finally
        {
            journal.CommandDepth--;
            var record = _journalRecord;
            _journalRecord = outer;
            if (_store.Revision == revisionBefore) journal.TryRemoveLast(record.Start, record.End);
        }
    }

    /// <summary>
    /// Logs <paramref name="args"/> (a complete command, name first) instead of the command being
    /// executed, for handlers whose effect replay could not reproduce from their own arguments:
    /// SPOP logs SREM of the members it popped, a blocking pop served later logs the plain pop.
    /// The replacement runs at replay with the original's clock, revision, author and op (so the
    /// key's history names the original command). Without AOF, or outside a write command, it
    /// does nothing.
    /// </summary>
    internal void RewriteForLog(params byte[][] args)
    {
        var record = _journalRecord;
        var journal = record.Journal;
        if (journal == null || args.Length == 0) return;
        if (!journal.TryRemoveLast(record.Start, record.End) && !journal.TryVoid(record.Start))
            _server.Logger.LogWarning("RewriteForLog: the original record of '{Command}' was already written; both will be replayed", LastCommand);
        long start = journal.BeginCommand(record.Db, _store.Now, record.RevisionBefore, record.ModifiedBy, Ctx.Comment, Ctx.Op, args.Length);
        foreach (var a in args) journal.AddArg(a);
        long end = journal.EndRecord(start);
        _journalRecord = record with { Start = start, End = end };
    }

    /// <summary>
    /// Redis refuses write commands (and PING) with MISCONF while persistence fails: the AOF
    /// cannot be written, or a background save failed with save rules set and
    /// stop-writes-on-bgsave-error yes. Reads keep working.
    /// </summary>
    private bool RejectedByPersistence(CommandDef def)
    {
        var persistence = _server.Persistence;
        if (persistence == null || !(def.IsWrite || def.Name == "ping")) return false;
        var error = persistence.DenyWritesError;
        if (error == null) return false;
        Reject(def, error);
        return true;
    }

    // ------------------------------------------------------------------ commands

    [RespCommand("save")]
    private void ServerSave(RespArgs args)
    {
        var persistence = _server.Persistence;
        if (persistence == null)
        {
            WriteError("ERR persistence is not available");
            return;
        }
        var error = persistence.Save();
        if (error == null) _writer.WriteOk();
        else WriteError(error);
    }

    [RespCommand("bgsave")]
    private void ServerBgsave(RespArgs args)
    {
        bool schedule = false;
        if (args.Count > 1)
        {
            if (args.Count == 2 && args.Is(1, "SCHEDULE"u8)) schedule = true;
            else
            {
                SyntaxError();
                return;
            }
        }
        var persistence = _server.Persistence;
        if (persistence == null)
        {
            WriteError("ERR persistence is not available");
            return;
        }
        WriteJobReply(persistence.BackgroundSave(schedule));
    }

    [RespCommand("bgrewriteaof")]
    private void ServerBgrewriteaof(RespArgs args)
    {
        var persistence = _server.Persistence;
        if (persistence == null)
        {
            WriteError("ERR persistence is not available");
            return;
        }
        WriteJobReply(persistence.BackgroundRewrite());
    }

    private void WriteJobReply(string reply)
    {
        if (reply.StartsWith("ERR", StringComparison.Ordinal)) WriteError(reply);
        else _writer.WriteSimpleString(reply);
    }

    [RespCommand("lastsave")]
    private void ServerLastsave(RespArgs args) =>
        _writer.WriteInteger(_server.Persistence?.LastSaveUnixTime ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    // ------------------------------------------------------------------ replay

    /// <summary>Makes this (connection-less) session a replay session whose replies go to <paramref name="sink"/>.</summary>
    internal void UseReplayOutput(ArrayBufferWriter<byte> sink) => _writer = new RespWriter(sink) { Protocol = 2 };

    /// <summary>
    /// Runs one logged command as the original client ran it: same database, author, comment and
    /// op (the loader has set the clock and the revision counter). Returns false when the handler
    /// threw — it threw when it first ran too, and that run is what the log recorded.
    /// </summary>
    internal bool ReplayCommand(CommandDef def, RespArgs args, int db, string? modifiedBy, string? comment, string? op)
    {
        SelectDatabase(db);
        Name = modifiedBy;
        LastCommand = def.Name;
        Ctx.Op = op ?? def.Parent?.Name ?? def.Name;
        Ctx.ModifiedBy = modifiedBy ?? User;
        Ctx.Comment = comment;
        try
        {
            def.Handler!(this, args);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _server.Logger.LogWarning("Replaying '{Command}' from the AOF threw {Error}; continuing", def.Name, ex.Message);
            return false;
        }
        finally
        {
            Ctx.Comment = null;
            _writer.Commit();
        }
    }
}

/// <summary>
/// Replays logged commands into the store during start-up (<see cref="ICommandReplayer"/>): a
/// session without a connection executes each one through its normal handler, so replay and
/// live execution share one implementation of every command.
/// </summary>
public sealed class CommandReplayer : ICommandReplayer
{
    private readonly RespServer _server;
    private readonly Session _session;
    private readonly ArrayBufferWriter<byte> _sink = new(4096);
    private ArgRange[] _ranges = new ArgRange[16];

    public CommandReplayer(RespServer server)
    {
        _server = server;
        _session = new Session(server, null);
        _session.UseReplayOutput(_sink);
    }

    /// <summary>Commands whose handler threw during replay.</summary>
    public long Failures { get; private set; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Replay(in LoggedCommand command)
    {
        int argc = command.ArgCount;
        if (_ranges.Length < argc) _ranges = new ArgRange[Math.Max(argc, _ranges.Length * 2)];
        for (int i = 0; i < argc; i++)
        {
            _ranges[i].Offset = command.Args[2 * i];
            _ranges[i].Length = command.Args[2 * i + 1];
        }
        var args = new RespArgs(command.Source, _ranges.AsSpan(0, argc));
        var def = _server.Commands.Lookup(args[0])
            ?? throw new PersistenceException($"unknown command '{Session.Truncate(args.ToUtf8String(0), 64)}'");
        if (def.Subcommands != null && def.Handler == null && argc >= 2)
        {
            def = CommandTable.LookupSubcommand(def, args[1])
                ?? throw new PersistenceException($"unknown subcommand '{Session.Truncate(args.ToUtf8String(1), 64)}' of '{def.Name}'");
        }
        if (def.Handler == null) throw new PersistenceException($"command '{def.Name}' has no handler");
        if (!_session.ReplayCommand(def, args, command.Db, command.ModifiedBy, command.Comment, command.Op)) Failures++;
        _sink.ResetWrittenCount();
    }
}
