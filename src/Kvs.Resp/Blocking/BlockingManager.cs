using System.Buffers;
using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;
using Microsoft.Extensions.Logging;

namespace Kvs.Resp.Blocking;

/// <summary>
/// Clients blocked on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP; later BZPOPMIN, BZPOPMAX,
/// BZMPOP), and the serving of those clients when their keys receive data — Redis's blocked.c
/// model, fitted to ADR 0001 (one store lock, nobody waits while holding it).
/// <para>
/// Waiters are queued per (database, key) in arrival order. A write that creates a key, replaces
/// its value or renames/moves a key onto it (the store's change observer) marks the key ready if
/// anyone waits on it. After each command, the session that ran it calls
/// <see cref="ServeReadyKeys"/>: for every ready key, for each waiter in FIFO order, while the key
/// holds a value of the waiter's type, the waiter's own command is re-run on its behalf right
/// there, under the lock ("serve mode": the blocked session's database and protocol, restricted to
/// the ready key, its reply captured into a buffer instead of the other session's pipe). The
/// waiter is then completed and its session, awaiting in its own receive loop, writes the captured
/// reply to its own pipe and resumes its input. So the pop happens right after the push, in the
/// same critical section, exactly as Redis serves blocked clients before the next command;
/// first-come first-served holds per key; a key that becomes the wrong type (SET of a string)
/// serves nobody; writes performed while serving (BLMOVE's push) mark further keys ready and are
/// served in the same pass.
/// </para>
/// Every member is called under the store lock.
/// </summary>
public sealed class BlockingManager : IChangeObserver
{
    private readonly KvsStore _store;
    private readonly RespServer _server;
    private readonly Dictionary<byte[], KeyWaiters>?[] _byDb;
    private List<KeyWaiters> _ready = new();
    private List<KeyWaiters> _readySpare = new();
    private readonly ArrayBufferWriter<byte> _captureBuffer = new(256);
    private readonly RespWriter _capture;
    private int _blockedClients;
    private int _blockedKeys;

    public BlockingManager(RespServer server)
    {
        _server = server;
        _store = server.Store;
        _byDb = new Dictionary<byte[], KeyWaiters>?[_store.DatabaseCount];
        _capture = new RespWriter(_captureBuffer);
    }

    /// <summary>Clients currently blocked on keys (INFO clients blocked_clients).</summary>
    public int BlockedClients => _blockedClients;

    /// <summary>Keys with at least one blocked client (INFO keyspace-ish statistics).</summary>
    public int BlockedKeys => _blockedKeys;

    /// <summary>True when some write marked a key with waiters since the last serving pass.</summary>
    public bool HasReadyKeys => _ready.Count > 0;

    /// <summary>The waiters of one key, FIFO.</summary>
    private sealed class KeyWaiters(Database db, byte[] key)
    {
        public readonly Database Db = db;
        public readonly byte[] Key = key;
        public readonly LinkedList<BlockedClient> Queue = new();
        public bool IsReady;
    }

    // ------------------------------------------------------------------ blocking

    /// <summary>
    /// Registers <paramref name="session"/> as blocked by <paramref name="command"/> on the keys
    /// <c>args[firstKey .. firstKey + keyCount)</c> (duplicates count once, as in Redis).
    /// </summary>
    internal BlockedClient Block(Session session, CommandDef command, RespArgs args, int firstKey, int keyCount, KvsType type, long deadlineMs)
    {
        int total = 0;
        for (int i = 0; i < args.Count; i++) total += args[i].Length;
        var bytes = new byte[total];
        var ranges = new ArgRange[args.Count];
        int offset = 0;
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            a.CopyTo(bytes.AsSpan(offset));
            ranges[i] = new ArgRange { Offset = offset, Length = a.Length };
            offset += a.Length;
        }
        var keys = new List<byte[]>(keyCount);
        for (int i = firstKey; i < firstKey + keyCount; i++)
        {
            var k = args[i];
            bool duplicate = false;
            foreach (var seen in keys) duplicate |= seen.AsSpan().SequenceEqual(k);
            if (!duplicate) keys.Add(k.ToArray());
        }
        var db = session.Database;
        var client = new BlockedClient(session, command, bytes, ranges, db, keys.ToArray(), type, deadlineMs);
        var table = _byDb[db.Index] ??= new Dictionary<byte[], KeyWaiters>(KeyBytesComparer.Instance);
        for (int i = 0; i < client.Keys.Length; i++)
        {
            var key = client.Keys[i];
            if (!table.TryGetValue(key, out var waiters))
            {
                waiters = new KeyWaiters(db, key);
                table[key] = waiters;
                _blockedKeys++;
            }
            client.Nodes[i] = waiters.Queue.AddLast(client);
        }
        _blockedClients++;
        return client;
    }

    /// <summary>Takes a waiting client out of every queue (served, timed out, unblocked or gone).</summary>
    private void Unlink(BlockedClient client)
    {
        var table = _byDb[client.Database.Index]!;
        for (int i = 0; i < client.Keys.Length; i++)
        {
            var node = client.Nodes[i];
            if (node?.List == null) continue;
            var queue = node.List;
            queue.Remove(node);
            client.Nodes[i] = null;
            if (queue.Count == 0 && table.Remove(client.Keys[i])) _blockedKeys--;
        }
        _blockedClients--;
    }

    /// <summary>Completes a waiting client with a reply and wakes its session up.</summary>
    private void Complete(BlockedClient client, byte[] reply)
    {
        Unlink(client);
        client.Reply = reply;
        client.State = BlockState.Completed;
        client.Completion.TrySetResult();
    }

    /// <summary>The blocked session's deadline passed: Redis replies a null array (replyToBlockedClientTimedOut).</summary>
    internal void TimeOut(BlockedClient client)
    {
        if (client.State != BlockState.Waiting) return;
        _capture.Protocol = client.Session.Protocol;
        _capture.WriteNullArray();
        Complete(client, TakeCapture());
    }

    /// <summary>The blocked session is going away: drop the client without a reply.</summary>
    internal void Abandon(BlockedClient client)
    {
        if (client.State != BlockState.Waiting) return;
        Unlink(client);
        client.State = BlockState.Abandoned;
        client.Completion.TrySetResult();
    }

    /// <summary>
    /// CLIENT UNBLOCK: completes a blocked client as if it timed out, or with the error
    /// "-UNBLOCKED client unblocked via CLIENT UNBLOCK". Returns false when the client is not blocked.
    /// </summary>
    internal bool Unblock(long clientId, bool withError)
    {
        var session = _server.FindSession(clientId);
        var client = session?.BlockedOn;
        if (client == null || client.State != BlockState.Waiting) return false;
        if (withError) session!.WriteErrorInto(_capture, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
        else
        {
            _capture.Protocol = session!.Protocol;
            _capture.WriteNullArray();
        }
        Complete(client, TakeCapture());
        return true;
    }

    private byte[] TakeCapture()
    {
        _capture.Commit();
        var bytes = _captureBuffer.WrittenSpan.ToArray();
        _captureBuffer.ResetWrittenCount();
        return bytes;
    }

    // ------------------------------------------------------------------ serving

    /// <summary>
    /// Serves the clients blocked on keys that became ready, FIFO per key, until no key is ready
    /// (serving may make more keys ready: BLMOVE pushes). Called after each command.
    /// </summary>
    internal void ServeReadyKeys()
    {
        while (_ready.Count > 0)
        {
            var batch = _ready;
            _ready = _readySpare;
            foreach (var waiters in batch)
            {
                waiters.IsReady = false;
                ServeKey(waiters);
            }
            batch.Clear();
            _readySpare = batch;
        }
    }

    private void ServeKey(KeyWaiters waiters)
    {
        var node = waiters.Queue.First;
        while (node != null)
        {
            var next = node.Next;
            var entry = _store.Find(waiters.Db, waiters.Key);
            if (entry == null) return;
            var client = node.Value;
            if (client.Type == entry.Type && client.State == BlockState.Waiting)
            {
                bool served;
                try
                {
                    served = client.Session.RunBlockedCommand(client, waiters.Key, _capture);
                }
                catch (Exception ex)
                {
                    // A failing handler must not take the pushing client's connection down with it.
                    _server.Logger.LogError(ex, "Serving blocked client {Id} failed", client.Session.Id);
                    TakeCapture();
                    client.Session.WriteErrorInto(_capture, "ERR internal error while serving a blocked command");
                    served = true;
                }
                var reply = TakeCapture();
                if (served) Complete(client, reply);
            }
            // Serving removes only the served client from this queue (a re-run command never
            // blocks again and touches no other waiter), so the saved successor is still queued.
            node = next;
        }
    }

    private void MarkReady(Database db, byte[] key)
    {
        var table = _byDb[db.Index];
        if (table == null || !table.TryGetValue(key, out var waiters) || waiters.IsReady) return;
        waiters.IsReady = true;
        _ready.Add(waiters);
    }

    // ------------------------------------------------------------------ store observer

    void IChangeObserver.OnChanging(Database db, KvsEntry entry, WriteContext ctx) { }

    /// <summary>A key was created, given a new value or renamed/moved here: its waiters may be servable.</summary>
    void IChangeObserver.OnChanged(Database db, KvsEntry entry, ChangeKind kind, WriteContext ctx)
    {
        if (_blockedClients == 0) return;
        if (kind is ChangeKind.Created or ChangeKind.Updated or ChangeKind.RenamedTo) MarkReady(db, entry.Key);
    }

    void IChangeObserver.OnFlushed(Database db, WriteContext ctx) { }

    /// <summary>SWAPDB: every key waited on in either database may now hold data (Redis's scanDatabaseForReadyKeys).</summary>
    void IChangeObserver.OnSwapped(Database a, Database b, WriteContext ctx)
    {
        if (_blockedClients == 0) return;
        foreach (var db in new[] { a, b })
        {
            var table = _byDb[db.Index];
            if (table == null) continue;
            foreach (var waiters in table.Values)
                if (!waiters.IsReady)
                {
                    waiters.IsReady = true;
                    _ready.Add(waiters);
                }
        }
    }
}

/// <summary>Byte-content equality for key arrays, with span lookups that do not allocate.</summary>
internal sealed class KeyBytesComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly KeyBytesComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x != null && y != null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = new HashCode();
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
