using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp.Blocking;

/// <summary>Where a blocked client is in its life: waiting, or done with a reply ready for it.</summary>
public enum BlockState
{
    Waiting,
    /// <summary>Its command ran on its behalf (served by a push, or unblocked/timed out) and <see cref="BlockedClient.Reply"/> holds the reply.</summary>
    Completed,
    /// <summary>Removed without a reply (the connection closed).</summary>
    Abandoned,
}

/// <summary>
/// One client blocked by a blocking command (BLPOP, BLMOVE, BLMPOP, later BZPOPMIN...): a private
/// copy of the command's arguments (the network buffer they came in is gone by the time it is
/// served), the database, the keys it waits on, the value type that can serve it and the
/// deadline. It is queued on each of its keys in <see cref="BlockingManager"/>; whoever completes
/// it (a writer serving the key, CLIENT UNBLOCK, the blocked session's own timeout) does so under
/// the store lock and then signals <see cref="Completion"/>, which the blocked session awaits.
/// </summary>
public sealed class BlockedClient
{
    internal BlockedClient(Session session, CommandDef command, byte[] argBytes, ArgRange[] ranges, Database db, byte[][] keys, KvsType type, long deadlineMs)
    {
        Session = session;
        Command = command;
        ArgBytes = argBytes;
        Ranges = ranges;
        Database = db;
        Keys = keys;
        Type = type;
        DeadlineMs = deadlineMs;
        Nodes = new LinkedListNode<BlockedClient>?[keys.Length];
    }

    public Session Session { get; }
    internal CommandDef Command { get; }
    internal byte[] ArgBytes { get; }
    internal ArgRange[] Ranges { get; }
    public Database Database { get; }
    /// <summary>The distinct keys waited on, in the command's order.</summary>
    public byte[][] Keys { get; }
    /// <summary>The value type whose presence on a key lets the command be served (List for list pops).</summary>
    public KvsType Type { get; }
    /// <summary>Unix milliseconds; 0 = wait forever.</summary>
    public long DeadlineMs { get; }

    /// <summary>This client's node in each key's FIFO queue (same order as <see cref="Keys"/>).</summary>
    internal LinkedListNode<BlockedClient>?[] Nodes { get; }

    public BlockState State { get; internal set; }

    /// <summary>The reply bytes (RESP, in the client's protocol) once <see cref="State"/> is Completed.</summary>
    public byte[]? Reply { get; internal set; }

    /// <summary>Signalled (outside any wait of the signaller) when the state leaves Waiting, or to wake the session up early (close).</summary>
    internal TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The blocked command's arguments, as a view over the private copy.</summary>
    internal RespArgs Args => new(ArgBytes, Ranges);
}
