using System.Collections.Concurrent;
using System.Diagnostics;
using Kvs.Core.Config;
using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kvs.Resp;

/// <summary>
/// State shared by all sessions: the store, the configuration, the command table, the connected
/// clients (CLIENT LIST/KILL, INFO clients) and server-wide counters (INFO stats).
/// </summary>
public sealed class RespServer
{
    private readonly ConcurrentDictionary<long, Session> _sessions = new();
    private long _nextClientId;

    public RespServer(KvsStore store, ServerConfig config, CommandTable commands, ILogger<RespServer>? logger = null)
    {
        Store = store;
        SessionStore = store;
        Config = config;
        Commands = commands;
        Logger = logger ?? NullLogger<RespServer>.Instance;
        RunId = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
        ReplicationId = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
        LastSaveUnixTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Metrics = InstantaneousMetrics.Start(this);
        config.Changed += OnConfigChanged;
        Blocking = new Blocking.BlockingManager(this);
        store.AddObserver(Blocking);
    }

    public KvsStore Store { get; }

    /// <summary>
    /// What sessions call: <see cref="Store"/> itself, or a decorator around it (the host sets a
    /// <see cref="LoggingKvsStore"/> when debug logging is on). Read once per session.
    /// </summary>
    public IKvsStore SessionStore { get; set; }
    public ServerConfig Config { get; }
    public CommandTable Commands { get; }

    /// <summary>Durability (AOF, snapshots); null when the server runs without it (some tests).</summary>
    public Kvs.Core.Persistence.PersistenceManager? Persistence { get; set; }
    public ILogger Logger { get; }
    public string RunId { get; }
    public long StartTimestamp { get; } = Stopwatch.GetTimestamp();
    public int TcpPort { get; set; }

    /// <summary>INFO replication's master_replid (a master that never had a replica still has one).</summary>
    public string ReplicationId { get; }

    /// <summary>Store revision and unix time of the last save: INFO's rdb_changes_since_last_save and rdb_last_save_time.</summary>
    public long LastSaveRevision;
    public long LastSaveUnixTime;

    /// <summary>Highest used_memory INFO has seen (used_memory_peak), and the managed heap at start (used_memory_startup).</summary>
    public long PeakMemory;
    public long StartupMemory = GC.GetTotalMemory(false);

    /// <summary>INFO's instantaneous_* figures, sampled in the background like Redis's serverCron.</summary>
    internal InstantaneousMetrics Metrics { get; }
    /// <summary>Clients blocked on keys (BLPOP...) and their serving.</summary>
    public Blocking.BlockingManager Blocking { get; }

    /// <summary>Set by SHUTDOWN; the host watches it and stops the process.</summary>
    public event Action<bool>? ShutdownRequested;

    // INFO stats
    public long TotalConnectionsReceived;
    public long RejectedConnections;
    public long TotalCommandsProcessed;
    public long TotalNetInputBytes;
    public long TotalNetOutputBytes;
    public long TotalErrorReplies;
    public readonly ConcurrentDictionary<string, long> ErrorStats = new(StringComparer.Ordinal);

    public int ConnectedClients => _sessions.Count;

    public IEnumerable<Session> Sessions => _sessions.Values;

    public long NextClientId() => Interlocked.Increment(ref _nextClientId);

    /// <summary>Registers a new session, or returns false when maxclients is reached.</summary>
    public bool TryRegister(Session session)
    {
        Interlocked.Increment(ref TotalConnectionsReceived);
        if (_sessions.Count >= Config.MaxClients)
        {
            Interlocked.Increment(ref RejectedConnections);
            return false;
        }
        _sessions[session.Id] = session;
        session.OnRegistered();
        return true;
    }

    public void Unregister(Session session) => _sessions.TryRemove(session.Id, out _);

    public Session? FindSession(long id) => _sessions.TryGetValue(id, out var s) ? s : null;

    public void RequestShutdown(bool save) => ShutdownRequested?.Invoke(save);

    /// <summary>CONFIG SET (under the store lock): lets every session re-read what it caches (auth state, parser limits).</summary>
    private void OnConfigChanged(string option)
    {
        foreach (var session in _sessions.Values) session.OnConfigChanged(option);
    }

    /// <summary>Reply bytes of the live sessions plus those of closed ones (INFO total_net_output_bytes).</summary>
    public long CurrentNetOutputBytes()
    {
        long total = TotalNetOutputBytes;
        foreach (var session in _sessions.Values) total += session.OutputBytesSinceReset;
        return total;
    }

    public void ResetStats()
    {
        TotalConnectionsReceived = 0;
        RejectedConnections = 0;
        TotalCommandsProcessed = 0;
        TotalNetInputBytes = 0;
        TotalNetOutputBytes = 0;
        TotalErrorReplies = 0;
        ErrorStats.Clear();
        Store.Stats.KeyspaceHits = Store.Stats.KeyspaceMisses = Store.Stats.ExpiredKeys = Store.Stats.EvictedKeys = 0;
        foreach (var c in Commands.All) c.ResetStats();
        foreach (var session in _sessions.Values) session.ResetOutputBytesBaseline();
        Metrics.Reset();
    }
}
