using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Kvs.Core.Config;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;
using Ascii = Kvs.Resp.Protocol.Ascii;
using Microsoft.Extensions.Logging;

namespace Kvs.Resp;

/// <summary>
/// Server commands: INFO, CONFIG GET/SET/RESETSTAT/REWRITE/HELP, TIME, DEBUG, SHUTDOWN and CLUSTER
/// (answered as a server without cluster support), with Redis 7.0's replies and error texts.
/// </summary>
public sealed partial class Session
{
    /// <summary>The Redis version Kvs is compatible with, as HELLO and INFO report it.</summary>
    internal const string RedisVersion = "7.0.15";

    // ------------------------------------------------------------------ INFO

    /// <summary>Sections INFO prints without arguments or with "default" (Redis 7.0's default_sections).</summary>
    private static readonly string[] DefaultInfoSections =
        { "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "module_list", "errorstats", "cluster", "keyspace" };

    /// <summary>Output bytes of this session already counted before the last CONFIG RESETSTAT.</summary>
    private long _outputBytesBaseline;

    internal long OutputBytesSinceReset => _writer.BytesWritten - _outputBytesBaseline;

    internal void ResetOutputBytesBaseline() => _outputBytesBaseline = _writer.BytesWritten;

    /// <summary>
    /// INFO [section ...]: sections are case-insensitive; "default" adds the default sections,
    /// "all" every section, "everything" every section including module ones (none here);
    /// unknown names select nothing. Sections appear in Redis's order, separated by an empty
    /// line, CRLF line endings; a bulk string in RESP2, a verbatim "txt" string in RESP3.
    /// </summary>
    [RespCommand("info")]
    private void ServerInfo(RespArgs args)
    {
        var sections = new HashSet<string>(StringComparer.Ordinal);
        bool all = false;
        if (args.Count == 1)
        {
            foreach (var s in DefaultInfoSections) sections.Add(s);
        }
        for (int i = 1; i < args.Count; i++)
        {
            if (args.Is(i, "DEFAULT"u8))
            {
                foreach (var s in DefaultInfoSections) sections.Add(s);
            }
            else if (args.Is(i, "ALL"u8) || args.Is(i, "EVERYTHING"u8))
            {
                all = true;
            }
            else
            {
                sections.Add(args.ToUtf8String(i).ToLowerInvariant());
            }
        }
        _writer.WriteVerbatim("txt", BuildInfo(sections, all));
    }

    private string BuildInfo(HashSet<string> sections, bool all)
    {
        var sb = new StringBuilder(4096);
        int count = 0;
        bool Wants(string name) => all || sections.Contains(name);
        void Header(string title)
        {
            if (count++ > 0) sb.Append("\r\n");
            sb.Append("# ").Append(title).Append("\r\n");
        }

        if (Wants("server")) { Header("Server"); AppendServerInfo(sb); }
        if (Wants("clients")) { Header("Clients"); AppendClientsInfo(sb); }
        if (Wants("memory")) { Header("Memory"); AppendMemoryInfo(sb); }
        if (Wants("persistence")) { Header("Persistence"); AppendPersistenceInfo(sb); }
        if (Wants("stats")) { Header("Stats"); AppendStatsInfo(sb); }
        if (Wants("replication")) { Header("Replication"); AppendReplicationInfo(sb); }
        if (Wants("cpu")) { Header("CPU"); AppendCpuInfo(sb); }
        if (Wants("module_list") || Wants("modules")) Header("Modules");
        if (Wants("commandstats")) { Header("Commandstats"); AppendCommandStats(sb); }
        if (Wants("errorstats")) { Header("Errorstats"); AppendErrorStats(sb); }
        if (Wants("latencystats")) Header("Latencystats");
        if (Wants("cluster")) { Header("Cluster"); sb.Append("cluster_enabled:0\r\n"); }
        if (Wants("keyspace")) { Header("Keyspace"); AppendKeyspaceInfo(sb); }
        return sb.ToString();
    }

    private static void Field(StringBuilder sb, string name, string value) => sb.Append(name).Append(':').Append(value).Append("\r\n");

    private static void Field(StringBuilder sb, string name, long value) =>
        sb.Append(name).Append(':').Append(value.ToString(CultureInfo.InvariantCulture)).Append("\r\n");

    /// <summary>printf("%.2f").</summary>
    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>Redis's bytesToHuman: B below 1K, then K, M, G, T, P with two decimals (1K = 1024).</summary>
    internal static string BytesToHuman(long n)
    {
        const double K = 1024;
        if (n < 1024) return n.ToString(CultureInfo.InvariantCulture) + "B";
        if (n < 1024L * 1024) return F2(n / K) + "K";
        if (n < 1024L * 1024 * 1024) return F2(n / (K * K)) + "M";
        if (n < 1024L * 1024 * 1024 * 1024) return F2(n / (K * K * K)) + "G";
        if (n < 1024L * 1024 * 1024 * 1024 * 1024) return F2(n / (K * K * K * K)) + "T";
        if (n < 1024L * 1024 * 1024 * 1024 * 1024 * 1024) return F2(n / (K * K * K * K * K)) + "P";
        return n.ToString(CultureInfo.InvariantCulture) + "B";
    }

    private static string OsDescription()
    {
        string release = Environment.OSVersion.Version.ToString();
        try
        {
            if (File.Exists("/proc/sys/kernel/osrelease")) release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        string system = OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsMacOS() ? "Darwin" : OperatingSystem.IsWindows() ? "Windows" : "Unknown";
        string machine = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x86_64",
            Architecture.Arm64 => "aarch64",
            Architecture.X86 => "i686",
            Architecture.Arm => "armv7l",
            var other => other.ToString().ToLowerInvariant(),
        };
        return system + " " + release + " " + machine;
    }

    private static readonly Lazy<string> OsText = new(OsDescription);

    private void AppendServerInfo(StringBuilder sb)
    {
        long nowUs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        long uptime = (Stopwatch.GetTimestamp() - _server.StartTimestamp) / Stopwatch.Frequency;
        Field(sb, "redis_version", RedisVersion);
        Field(sb, "redis_git_sha1", "00000000");
        Field(sb, "redis_git_dirty", 0);
        Field(sb, "redis_build_id", "0");
        Field(sb, "redis_mode", "standalone");
        Field(sb, "os", OsText.Value);
        Field(sb, "arch_bits", IntPtr.Size * 8);
        Field(sb, "monotonic_clock", "POSIX clock_gettime");
        Field(sb, "multiplexing_api", OperatingSystem.IsLinux() ? "epoll" : OperatingSystem.IsWindows() ? "iocp" : "kqueue");
        Field(sb, "atomicvar_api", "c11-builtin");
        Field(sb, "gcc_version", "0.0.0");
        Field(sb, "process_id", Environment.ProcessId);
        Field(sb, "process_supervised", "no");
        Field(sb, "run_id", _server.RunId);
        Field(sb, "tcp_port", _server.TcpPort);
        Field(sb, "server_time_usec", nowUs);
        Field(sb, "uptime_in_seconds", uptime);
        Field(sb, "uptime_in_days", uptime / 86400);
        Field(sb, "hz", _config.Hz);
        Field(sb, "configured_hz", _config.Hz);
        Field(sb, "lru_clock", nowUs / 1_000_000 & ((1 << 24) - 1));
        Field(sb, "executable", Environment.ProcessPath ?? "");
        Field(sb, "config_file", _config.ConfigFile);
        Field(sb, "io_threads_active", 0);
    }

    private void AppendClientsInfo(StringBuilder sb)
    {
        long maxInput = 0, blocked = 0;
        foreach (var s in _server.Sessions)
        {
            maxInput = Math.Max(maxInput, s.QueryBufferLength);
            if (s.DescribeClientState().Blocked) blocked++;
        }
        Field(sb, "connected_clients", _server.ConnectedClients);
        Field(sb, "cluster_connections", 0);
        Field(sb, "maxclients", _config.MaxClients);
        Field(sb, "client_recent_max_input_buffer", maxInput);
        Field(sb, "client_recent_max_output_buffer", 0);
        Field(sb, "blocked_clients", blocked);
        Field(sb, "tracking_clients", 0);
        Field(sb, "clients_in_timeout_table", 0);
    }

    private void AppendMemoryInfo(StringBuilder sb)
    {
        long used = GC.GetTotalMemory(false);
        var gc = GC.GetGCMemoryInfo();
        long rss = Environment.WorkingSet;
        if (used > _server.PeakMemory) _server.PeakMemory = used;
        long peak = _server.PeakMemory;
        long startup = Math.Min(_server.StartupMemory, used);
        long overhead = startup;
        long dataset = used - overhead;
        long totalSystem = gc.TotalAvailableMemoryBytes;
        long allocated = used;
        long active = Math.Max(gc.HeapSizeBytes, allocated);
        long resident = Math.Max(gc.TotalCommittedBytes, active);
        long maxMemory = _config.MaxMemory;
        Field(sb, "used_memory", used);
        Field(sb, "used_memory_human", BytesToHuman(used));
        Field(sb, "used_memory_rss", rss);
        Field(sb, "used_memory_rss_human", BytesToHuman(rss));
        Field(sb, "used_memory_peak", peak);
        Field(sb, "used_memory_peak_human", BytesToHuman(peak));
        Field(sb, "used_memory_peak_perc", F2(peak == 0 ? 0 : used * 100.0 / peak) + "%");
        Field(sb, "used_memory_overhead", overhead);
        Field(sb, "used_memory_startup", startup);
        Field(sb, "used_memory_dataset", dataset);
        Field(sb, "used_memory_dataset_perc", F2(used - startup == 0 ? 0 : dataset * 100.0 / (used - startup)) + "%");
        Field(sb, "allocator_allocated", allocated);
        Field(sb, "allocator_active", active);
        Field(sb, "allocator_resident", resident);
        Field(sb, "total_system_memory", totalSystem);
        Field(sb, "total_system_memory_human", BytesToHuman(totalSystem));
        Field(sb, "used_memory_lua", 0);
        Field(sb, "used_memory_vm_eval", 0);
        Field(sb, "used_memory_lua_human", "0B");
        Field(sb, "used_memory_scripts_eval", 0);
        Field(sb, "number_of_cached_scripts", 0);
        Field(sb, "number_of_functions", 0);
        Field(sb, "number_of_libraries", 0);
        Field(sb, "used_memory_vm_functions", 0);
        Field(sb, "used_memory_vm_total", 0);
        Field(sb, "used_memory_vm_total_human", "0B");
        Field(sb, "used_memory_functions", 0);
        Field(sb, "used_memory_scripts", 0);
        Field(sb, "used_memory_scripts_human", "0B");
        Field(sb, "maxmemory", maxMemory);
        Field(sb, "maxmemory_human", BytesToHuman(maxMemory));
        Field(sb, "maxmemory_policy", _config.MaxMemoryPolicy);
        Field(sb, "allocator_frag_ratio", F2(allocated == 0 ? 0 : (double)active / allocated));
        Field(sb, "allocator_frag_bytes", active - allocated);
        Field(sb, "allocator_rss_ratio", F2(active == 0 ? 0 : (double)resident / active));
        Field(sb, "allocator_rss_bytes", resident - active);
        Field(sb, "rss_overhead_ratio", F2(resident == 0 ? 0 : (double)rss / resident));
        Field(sb, "rss_overhead_bytes", rss - resident);
        Field(sb, "mem_fragmentation_ratio", F2(used == 0 ? 0 : (double)rss / used));
        Field(sb, "mem_fragmentation_bytes", rss - used);
        Field(sb, "mem_not_counted_for_evict", 0);
        Field(sb, "mem_replication_backlog", 0);
        Field(sb, "mem_total_replication_buffers", 0);
        Field(sb, "mem_clients_slaves", 0);
        Field(sb, "mem_clients_normal", 0);
        Field(sb, "mem_cluster_links", 0);
        Field(sb, "mem_aof_buffer", 0);
        Field(sb, "mem_allocator", "dotnet-gc-" + Environment.Version.ToString());
        Field(sb, "active_defrag_running", 0);
        Field(sb, "lazyfree_pending_objects", 0);
        Field(sb, "lazyfreed_objects", 0);
    }

    private void AppendPersistenceInfo(StringBuilder sb)
    {
        Field(sb, "loading", 0);
        Field(sb, "async_loading", 0);
        Field(sb, "current_cow_peak", 0);
        Field(sb, "current_cow_size", 0);
        Field(sb, "current_cow_size_age", 0);
        Field(sb, "current_fork_perc", "0.00");
        Field(sb, "current_save_keys_processed", 0);
        Field(sb, "current_save_keys_total", 0);
        Field(sb, "rdb_changes_since_last_save", Math.Max(0, _store.Revision - _server.LastSaveRevision));
        Field(sb, "rdb_bgsave_in_progress", 0);
        Field(sb, "rdb_last_save_time", _server.LastSaveUnixTime);
        Field(sb, "rdb_last_bgsave_status", "ok");
        Field(sb, "rdb_last_bgsave_time_sec", -1);
        Field(sb, "rdb_current_bgsave_time_sec", -1);
        Field(sb, "rdb_saves", 0);
        Field(sb, "rdb_last_cow_size", 0);
        Field(sb, "rdb_last_load_keys_expired", 0);
        Field(sb, "rdb_last_load_keys_loaded", 0);
        Field(sb, "aof_enabled", _config.AppendOnly ? 1 : 0);
        Field(sb, "aof_rewrite_in_progress", 0);
        Field(sb, "aof_rewrite_scheduled", 0);
        Field(sb, "aof_last_rewrite_time_sec", -1);
        Field(sb, "aof_current_rewrite_time_sec", -1);
        Field(sb, "aof_last_bgrewrite_status", "ok");
        Field(sb, "aof_rewrites", 0);
        Field(sb, "aof_rewrites_consecutive_failures", 0);
        Field(sb, "aof_last_write_status", "ok");
        Field(sb, "aof_last_cow_size", 0);
        Field(sb, "module_fork_in_progress", 0);
        Field(sb, "module_fork_last_cow_size", 0);
        if (_config.AppendOnly)
        {
            Field(sb, "aof_current_size", 0);
            Field(sb, "aof_base_size", 0);
            Field(sb, "aof_pending_rewrite", 0);
            Field(sb, "aof_buffer_length", 0);
            Field(sb, "aof_pending_bio_fsync", 0);
            Field(sb, "aof_delayed_fsync", 0);
        }
    }

    private void AppendStatsInfo(StringBuilder sb)
    {
        var stats = _store.Stats;
        var metrics = _server.Metrics;
        long channels = 0, patterns = 0, shardChannels = 0;
        CountPubSubCore(_server, ref channels, ref patterns, ref shardChannels);
        Field(sb, "total_connections_received", _server.TotalConnectionsReceived);
        Field(sb, "total_commands_processed", _server.TotalCommandsProcessed);
        Field(sb, "instantaneous_ops_per_sec", metrics.OpsPerSecond);
        Field(sb, "total_net_input_bytes", _server.TotalNetInputBytes);
        Field(sb, "total_net_output_bytes", _server.CurrentNetOutputBytes());
        Field(sb, "total_net_repl_input_bytes", 0);
        Field(sb, "total_net_repl_output_bytes", 0);
        Field(sb, "instantaneous_input_kbps", F2(metrics.InputKbps));
        Field(sb, "instantaneous_output_kbps", F2(metrics.OutputKbps));
        Field(sb, "instantaneous_input_repl_kbps", "0.00");
        Field(sb, "instantaneous_output_repl_kbps", "0.00");
        Field(sb, "rejected_connections", _server.RejectedConnections);
        Field(sb, "sync_full", 0);
        Field(sb, "sync_partial_ok", 0);
        Field(sb, "sync_partial_err", 0);
        Field(sb, "expired_keys", stats.ExpiredKeys);
        Field(sb, "expired_stale_perc", "0.00");
        Field(sb, "expired_time_cap_reached_count", stats.ExpiredStalePercentTimes);
        Field(sb, "expire_cycle_cpu_milliseconds", 0);
        Field(sb, "evicted_keys", stats.EvictedKeys);
        Field(sb, "evicted_clients", 0);
        Field(sb, "total_eviction_exceeded_time", 0);
        Field(sb, "current_eviction_exceeded_time", 0);
        Field(sb, "keyspace_hits", stats.KeyspaceHits);
        Field(sb, "keyspace_misses", stats.KeyspaceMisses);
        Field(sb, "pubsub_channels", channels);
        Field(sb, "pubsub_patterns", patterns);
        Field(sb, "pubsubshard_channels", shardChannels);
        Field(sb, "latest_fork_usec", 0);
        Field(sb, "total_forks", 0);
        Field(sb, "migrate_cached_sockets", 0);
        Field(sb, "slave_expires_tracked_keys", 0);
        Field(sb, "active_defrag_hits", 0);
        Field(sb, "active_defrag_misses", 0);
        Field(sb, "active_defrag_key_hits", 0);
        Field(sb, "active_defrag_key_misses", 0);
        Field(sb, "total_active_defrag_time", 0);
        Field(sb, "current_active_defrag_time", 0);
        Field(sb, "tracking_total_keys", 0);
        Field(sb, "tracking_total_items", 0);
        Field(sb, "tracking_total_prefixes", 0);
        Field(sb, "unexpected_error_replies", 0);
        Field(sb, "total_error_replies", _server.TotalErrorReplies);
        Field(sb, "dump_payload_sanitizations", 0);
        Field(sb, "total_reads_processed", 0);
        Field(sb, "total_writes_processed", 0);
        Field(sb, "io_threaded_reads_processed", 0);
        Field(sb, "io_threaded_writes_processed", 0);
        Field(sb, "reply_buffer_shrinks", 0);
        Field(sb, "reply_buffer_expands", 0);
    }

    /// <summary>Hook for the pub/sub family: server-wide channel and pattern counts (INFO stats).</summary>
    static partial void CountPubSubCore(RespServer server, ref long channels, ref long patterns, ref long shardChannels);

    private void AppendReplicationInfo(StringBuilder sb)
    {
        Field(sb, "role", "master");
        Field(sb, "connected_slaves", 0);
        Field(sb, "master_failover_state", "no-failover");
        Field(sb, "master_replid", _server.ReplicationId);
        Field(sb, "master_replid2", "0000000000000000000000000000000000000000");
        Field(sb, "master_repl_offset", 0);
        Field(sb, "second_repl_offset", -1);
        Field(sb, "repl_backlog_active", 0);
        Field(sb, "repl_backlog_size", 1048576);
        Field(sb, "repl_backlog_first_byte_offset", 0);
        Field(sb, "repl_backlog_histlen", 0);
    }

    private static void AppendCpuInfo(StringBuilder sb)
    {
        using var process = Process.GetCurrentProcess();
        string sys = Seconds6(process.PrivilegedProcessorTime);
        string user = Seconds6(process.UserProcessorTime);
        Field(sb, "used_cpu_sys", sys);
        Field(sb, "used_cpu_user", user);
        Field(sb, "used_cpu_sys_children", "0.000000");
        Field(sb, "used_cpu_user_children", "0.000000");
        Field(sb, "used_cpu_sys_main_thread", sys);
        Field(sb, "used_cpu_user_main_thread", user);
    }

    /// <summary>Redis prints CPU times as "%ld.%06ld" seconds.</summary>
    private static string Seconds6(TimeSpan t) => (t.Ticks / 10 / 1_000_000).ToString(CultureInfo.InvariantCulture) + "." +
        (t.Ticks / 10 % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>cmdstat_&lt;name&gt; for every command (subcommands as parent|sub) that was called, rejected or failed.</summary>
    private void AppendCommandStats(StringBuilder sb)
    {
        foreach (var def in _server.Commands.All) AppendCommandStat(sb, def);
    }

    private static void AppendCommandStat(StringBuilder sb, CommandDef def)
    {
        if (def.Calls != 0 || def.FailedCalls != 0 || def.RejectedCalls != 0)
        {
            var inv = CultureInfo.InvariantCulture;
            sb.Append("cmdstat_").Append(def.Name).Append(":calls=").Append(def.Calls.ToString(inv))
                .Append(",usec=").Append(def.Microseconds.ToString(inv))
                .Append(",usec_per_call=").Append(F2(def.Calls == 0 ? 0 : (double)def.Microseconds / def.Calls))
                .Append(",rejected_calls=").Append(def.RejectedCalls.ToString(inv))
                .Append(",failed_calls=").Append(def.FailedCalls.ToString(inv)).Append("\r\n");
        }
        if (def.Subcommands != null)
            foreach (var sub in def.Subcommands.Values) AppendCommandStat(sb, sub);
    }

    /// <summary>errorstat_&lt;CODE&gt;:count=n, ordered by code as Redis's radix tree orders them.</summary>
    private void AppendErrorStats(StringBuilder sb)
    {
        var codes = new List<KeyValuePair<string, long>>(_server.ErrorStats);
        codes.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (code, n) in codes)
            sb.Append("errorstat_").Append(code).Append(":count=").Append(n.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
    }

    private void AppendKeyspaceInfo(StringBuilder sb)
    {
        var inv = CultureInfo.InvariantCulture;
        for (int i = 0; i < _store.DatabaseCount; i++)
        {
            var db = _store.GetDatabase(i);
            if (db.Count == 0) continue;
            sb.Append("db").Append(i.ToString(inv)).Append(":keys=").Append(db.Count.ToString(inv))
                .Append(",expires=").Append(db.Expires.Count.ToString(inv))
                .Append(",avg_ttl=").Append(db.Expires.AverageTtl(_store.Now).ToString(inv)).Append("\r\n");
        }
    }

    // ------------------------------------------------------------------ CONFIG

    /// <summary>
    /// CONFIG GET pattern [pattern ...]: name/value pairs (a map in RESP3). A name without glob
    /// characters is looked up directly (aliases too) and echoed as typed; a pattern matches option
    /// names case-insensitively. An option is listed once however many arguments match it.
    /// </summary>
    [RespCommand("config|get")]
    private void ConfigGet(RespArgs args)
    {
        var names = new List<string>();
        var options = new List<ConfigOption>();
        for (int i = 2; i < args.Count; i++)
        {
            string arg = args.ToUtf8String(i);
            if (arg.AsSpan().IndexOfAny("[*?") < 0)
            {
                if (ContainsName(names, arg)) continue;
                var option = ServerConfig.FindOption(arg);
                if (option == null) continue;
                names.Add(arg);
                options.Add(option);
                continue;
            }
            foreach (var option in ServerConfig.Options)
            {
                if (!ContainsName(names, option.Name) && Kvs.Core.Storage.GlobMatcher.IsMatch(arg, option.Name, ignoreCase: true))
                {
                    names.Add(option.Name);
                    options.Add(option);
                }
                if (option.Alias != null && !ContainsName(names, option.Alias) && Kvs.Core.Storage.GlobMatcher.IsMatch(arg, option.Alias, ignoreCase: true))
                {
                    names.Add(option.Alias);
                    options.Add(option);
                }
            }
        }
        _writer.WriteMapHeader(names.Count);
        for (int i = 0; i < names.Count; i++)
        {
            _writer.WriteBulk(names[i]);
            _writer.WriteBulk(_config.Get(options[i]));
        }
    }

    private static bool ContainsName(List<string> names, string name)
    {
        foreach (var n in names)
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>
    /// CONFIG SET name value [name value ...], all or nothing, with Redis 7.0's checks in its order:
    /// an unknown name anywhere wins; then immutable and duplicate options; then each value is
    /// applied in turn and on the first failure the ones already applied are restored. Components
    /// that cache options hear about the changes only once all succeeded.
    /// </summary>
    [RespCommand("config|set")]
    private void ConfigSet(RespArgs args)
    {
        if ((args.Count & 1) == 1)
        {
            SyntaxError();
            return;
        }
        int count = (args.Count - 2) / 2;
        var options = new ConfigOption[count];
        string? unknownName = null, errorName = null, error = null;
        bool invalid = false;
        for (int i = 0; i < count; i++)
        {
            string name = args.ToUtf8String(2 + i * 2);
            var option = ServerConfig.FindOption(name);
            if (option == null)
            {
                if (!invalid)
                {
                    unknownName = name;
                    invalid = true;
                }
                continue;
            }
            if (invalid) continue;
            if (!option.Mutable)
            {
                error = option.Protected ? "can't set protected config" : "can't set immutable config";
                errorName = name;
                invalid = true;
                continue;
            }
            for (int j = 0; j < i; j++)
            {
                if (options[j] == option)
                {
                    error = "duplicate parameter";
                    errorName = name;
                    invalid = true;
                    break;
                }
            }
            options[i] = option;
        }
        if (!invalid)
        {
            var previous = new string[count];
            for (int i = 0; i < count; i++) previous[i] = _config.Get(options[i]);
            for (int i = 0; i < count; i++)
            {
                error = options[i].Apply(_config, args.ToUtf8String(3 + i * 2));
                if (error == null) continue;
                for (int j = 0; j < i; j++) options[j].Apply(_config, previous[j]);
                errorName = options[i].Name;
                break;
            }
            if (error == null)
            {
                for (int i = 0; i < count; i++)
                    if (previous[i] != _config.Get(options[i])) _config.NotifyChanged(options[i].Name);
                _writer.WriteOk();
                return;
            }
        }
        if (unknownName != null) WriteError($"ERR Unknown option or number of arguments for CONFIG SET - '{unknownName}'");
        else WriteError($"ERR CONFIG SET failed (possibly related to argument '{errorName}') - {error}");
    }

    [RespCommand("config|resetstat")]
    private void ConfigResetStat(RespArgs args)
    {
        _server.ResetStats();
        _writer.WriteOk();
    }

    /// <summary>
    /// CONFIG REWRITE: rewrites the config file the server started with so that it reflects the
    /// current configuration, as Redis does: lines of known options are replaced in place by the
    /// current value (duplicates dropped), comments and blank lines kept, and options that differ
    /// from their defaults but were not in the file are appended after a marker line. The new
    /// file replaces the old one atomically.
    /// </summary>
    [RespCommand("config|rewrite")]
    private void ConfigRewrite(RespArgs args)
    {
        string path = _config.ConfigFile;
        if (path.Length == 0)
        {
            WriteError("ERR The server is running without a config file");
            return;
        }
        try
        {
            File.WriteAllText(path + ".tmp", RewriteConfigText(File.Exists(path) ? File.ReadAllLines(path) : Array.Empty<string>()));
            File.Move(path + ".tmp", path, overwrite: true);
            _server.Logger.LogInformation("CONFIG REWRITE executed with success.");
            _writer.WriteOk();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _server.Logger.LogWarning("CONFIG REWRITE failed: {Error}", ex.Message);
            WriteError("ERR Rewriting config file: " + ex.Message);
        }
    }

    private const string RewriteMarker = "# Generated by CONFIG REWRITE";

    private string RewriteConfigText(string[] lines)
    {
        var defaults = new ServerConfig();
        var written = new HashSet<ConfigOption>();
        var sb = new StringBuilder();
        foreach (var raw in lines)
        {
            string line = raw.Trim();
            if (line == RewriteMarker) continue;
            if (line.Length == 0 || line[0] == '#')
            {
                sb.Append(raw).Append('\n');
                continue;
            }
            int space = line.IndexOfAny([' ', '\t']);
            var option = ServerConfig.FindOption(space < 0 ? line : line[..space]);
            if (option == null)
            {
                sb.Append(raw).Append('\n');
                continue;
            }
            if (!written.Add(option)) continue;
            AppendConfigLine(sb, option);
        }
        bool marker = false;
        foreach (var option in ServerConfig.Options)
        {
            if (written.Contains(option) || _config.Get(option) == defaults.Get(option)) continue;
            if (!marker)
            {
                sb.Append(RewriteMarker).Append('\n');
                marker = true;
            }
            AppendConfigLine(sb, option);
        }
        return sb.ToString();
    }

    /// <summary>"name value": multi-word options (save, bind, client-output-buffer-limit) as words, other values quoted when needed.</summary>
    private void AppendConfigLine(StringBuilder sb, ConfigOption option)
    {
        string value = _config.Get(option);
        sb.Append(option.Name).Append(' ');
        bool words = option.Name is "save" or "bind" or "client-output-buffer-limit";
        if (value.Length == 0)
        {
            sb.Append("\"\"");
        }
        else if (words || !NeedsQuoting(value))
        {
            sb.Append(value);
        }
        else
        {
            sb.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < ' ' || c == 127) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
        sb.Append('\n');
    }

    private static bool NeedsQuoting(string value)
    {
        foreach (char c in value)
            if (c <= ' ' || c == '"' || c == '\'' || c == '\\' || c == 127) return true;
        return false;
    }

    [RespCommand("config|help")]
    private void ConfigHelp(RespArgs args) => WriteHelp("CONFIG", ConfigHelpLines);

    private static readonly (string Sub, string[] Lines)[] ConfigHelpLines =
    {
        ("get", new[] { "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values." }),
        ("set", new[] { "SET <directive> <value>", "    Set the configuration <directive> to <value>." }),
        ("resetstat", new[] { "RESETSTAT", "    Reset statistics reported by the INFO command." }),
        ("rewrite", new[] { "REWRITE", "    Rewrite the configuration file." }),
    };

    // ------------------------------------------------------------------ TIME, SHUTDOWN, CLUSTER

    [RespCommand("time")]
    private void ServerTime(RespArgs args)
    {
        long us = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        _writer.WriteArrayHeader(2);
        _writer.WriteBulk(us / 1_000_000);
        _writer.WriteBulk(us % 1_000_000);
    }

    /// <summary>
    /// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: asks the host to stop gracefully (it saves
    /// unless NOSAVE, once persistence exists) and closes the connections, this one without a
    /// reply, as the clients of an exiting Redis see it. The request is handed to the thread pool so that the
    /// host's shutdown never runs under the store lock this handler holds.
    /// </summary>
    [RespCommand("shutdown")]
    private void ServerShutdown(RespArgs args)
    {
        bool noSave = false, save = false, abort = false, other = false;
        for (int i = 1; i < args.Count; i++)
        {
            if (args.Is(i, "NOSAVE"u8)) noSave = true;
            else if (args.Is(i, "SAVE"u8)) save = true;
            else if (args.Is(i, "NOW"u8) || args.Is(i, "FORCE"u8)) other = true;
            else if (args.Is(i, "ABORT"u8)) abort = true;
            else
            {
                SyntaxError();
                return;
            }
        }
        if ((abort && (noSave || save || other)) || (noSave && save))
        {
            SyntaxError();
            return;
        }
        if (abort)
        {
            WriteError("ERR No shutdown in progress.");
            return;
        }
        _server.Logger.LogWarning("User requested shutdown...");
        var server = _server;
        bool persist = !noSave;
        ThreadPool.QueueUserWorkItem(_ => server.RequestShutdown(persist));
        // Like an exiting Redis, stop serving every client now, so the host's graceful stop does
        // not wait for idle connections to go away on their own.
        foreach (var s in _server.Sessions)
            if (s != this) s.Close();
        CloseAfterReply();
    }

    /// <summary>CLUSTER: every subcommand answers as a server with cluster-enabled no.</summary>
    [RespCommand("cluster|addslots")]
    [RespCommand("cluster|addslotsrange")]
    [RespCommand("cluster|bumpepoch")]
    [RespCommand("cluster|count-failure-reports")]
    [RespCommand("cluster|countkeysinslot")]
    [RespCommand("cluster|delslots")]
    [RespCommand("cluster|delslotsrange")]
    [RespCommand("cluster|failover")]
    [RespCommand("cluster|flushslots")]
    [RespCommand("cluster|forget")]
    [RespCommand("cluster|getkeysinslot")]
    [RespCommand("cluster|help")]
    [RespCommand("cluster|info")]
    [RespCommand("cluster|keyslot")]
    [RespCommand("cluster|links")]
    [RespCommand("cluster|meet")]
    [RespCommand("cluster|myid")]
    [RespCommand("cluster|nodes")]
    [RespCommand("cluster|replicas")]
    [RespCommand("cluster|replicate")]
    [RespCommand("cluster|reset")]
    [RespCommand("cluster|saveconfig")]
    [RespCommand("cluster|set-config-epoch")]
    [RespCommand("cluster|setslot")]
    [RespCommand("cluster|shards")]
    [RespCommand("cluster|slaves")]
    [RespCommand("cluster|slots")]
    private void ClusterDisabled(RespArgs args) => WriteError("ERR This instance has cluster support disabled");

    // ------------------------------------------------------------------ DEBUG

    /// <summary>
    /// DEBUG SLEEP, SET-ACTIVE-EXPIRE, ERROR, LOG, PROTOCOL, HELP. Allowed per enable-debug-command
    /// (no / yes / local = from a loopback address), as in Redis 7.0.
    /// </summary>
    [RespCommand("debug")]
    private void ServerDebug(RespArgs args)
    {
        if (!DebugAllowed())
        {
            WriteError("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.");
            return;
        }
        if (args.Count == 2 && args.Is(1, "HELP"u8))
        {
            WriteDebugHelp();
        }
        else if (args.Count == 3 && args.Is(1, "SLEEP"u8))
        {
            // Redis: strtod on the argument (garbage reads as 0), then nanosleep; the whole server
            // stops because this runs under the store lock.
            double seconds = ParseDoublePrefix(args[2]);
            if (seconds > 0 && !double.IsInfinity(seconds)) Thread.Sleep(TimeSpan.FromTicks((long)Math.Min(seconds * TimeSpan.TicksPerSecond, TimeSpan.MaxValue.Ticks / 2)));
            _writer.WriteOk();
        }
        else if (args.Count == 3 && args.Is(1, "SET-ACTIVE-EXPIRE"u8))
        {
            _config.ActiveExpireEnabled = ParseIntPrefix(args[2]) != 0;
            _writer.WriteOk();
        }
        else if (args.Count == 3 && args.Is(1, "ERROR"u8))
        {
            // Not counted as an error reply, as in Redis (the text is sent raw).
            _writer.WriteError(args.ToUtf8String(2));
        }
        else if (args.Count == 3 && args.Is(1, "LOG"u8))
        {
            _server.Logger.LogWarning("DEBUG LOG: {Message}", args.ToUtf8String(2));
            _writer.WriteOk();
        }
        else if (args.Count == 3 && args.Is(1, "PROTOCOL"u8))
        {
            DebugProtocol(args[2]);
        }
        else
        {
            WriteError($"ERR unknown subcommand or wrong number of arguments for '{Truncate(args.ToUtf8String(1), 128)}'. Try DEBUG HELP.");
        }
    }

    private bool DebugAllowed()
    {
        switch (_config.EnableDebugCommand)
        {
            case "yes":
                return true;
            case "local":
                string addr = RemoteEndPoint;
                return addr.StartsWith("127.0.0.1:", StringComparison.Ordinal) || addr.StartsWith("::1:", StringComparison.Ordinal) ||
                    addr.StartsWith("[::1]:", StringComparison.Ordinal) || _connection == null;
            default:
                return false;
        }
    }

    /// <summary>C's strtod on a prefix: the longest leading part that is a number, 0 when none.</summary>
    private static double ParseDoublePrefix(ReadOnlySpan<byte> s)
    {
        int start = 0;
        while (start < s.Length && IsSpaceByte(s[start])) start++;
        for (int end = Math.Min(s.Length, start + 64); end > start; end--)
        {
            if (TryParseDouble(s[start..end], out double v)) return v;
        }
        return 0;
    }

    /// <summary>C's atoi: optional sign and leading digits, 0 when none.</summary>
    private static long ParseIntPrefix(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && IsSpaceByte(s[i])) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+')) negative = s[i++] == (byte)'-';
        long v = 0;
        while (i < s.Length && s[i] >= (byte)'0' && s[i] <= (byte)'9' && v < int.MaxValue) v = v * 10 + (s[i++] - '0');
        return negative ? -v : v;
    }

    /// <summary>DEBUG PROTOCOL type: a sample reply of each RESP3 type (with RESP2 fallbacks), for client library tests.</summary>
    private void DebugProtocol(ReadOnlySpan<byte> type)
    {
        if (Ascii.EqualsIgnoreCase(type, "STRING"u8)) _writer.WriteBulk("Hello World"u8);
        else if (Ascii.EqualsIgnoreCase(type, "INTEGER"u8)) _writer.WriteInteger(12345);
        else if (Ascii.EqualsIgnoreCase(type, "DOUBLE"u8)) _writer.WriteDouble(3.141);
        else if (Ascii.EqualsIgnoreCase(type, "BIGNUM"u8)) _writer.WriteBigNumber("1234567999999999999999999999999999999");
        else if (Ascii.EqualsIgnoreCase(type, "NULL"u8)) _writer.WriteNull();
        else if (Ascii.EqualsIgnoreCase(type, "ARRAY"u8) || Ascii.EqualsIgnoreCase(type, "SET"u8))
        {
            if (Ascii.EqualsIgnoreCase(type, "SET"u8)) _writer.WriteSetHeader(3);
            else _writer.WriteArrayHeader(3);
            for (int i = 0; i < 3; i++) _writer.WriteInteger(i);
        }
        else if (Ascii.EqualsIgnoreCase(type, "MAP"u8))
        {
            _writer.WriteMapHeader(3);
            for (int i = 0; i < 3; i++)
            {
                _writer.WriteInteger(i);
                _writer.WriteBoolean(i == 1);
            }
        }
        else if (Ascii.EqualsIgnoreCase(type, "ATTRIB"u8))
        {
            if (Protocol == 3)
            {
                _writer.WriteRaw("|1\r\n"u8);
                _writer.WriteBulk("key-popularity"u8);
                _writer.WriteArrayHeader(2);
                _writer.WriteBulk("key:123"u8);
                _writer.WriteInteger(90);
            }
            _writer.WriteBulk("Some real reply following the attribute"u8);
        }
        else if (Ascii.EqualsIgnoreCase(type, "PUSH"u8))
        {
            if (Protocol != 3)
            {
                WriteError("ERR RESP2 is not supported by this command");
                return;
            }
            _writer.WritePushHeader(2);
            _writer.WriteBulk("server-cpu-usage"u8);
            _writer.WriteInteger(42);
            _writer.WriteBulk("Some real reply following the push reply"u8);
        }
        else if (Ascii.EqualsIgnoreCase(type, "VERBATIM"u8)) _writer.WriteVerbatim("txt", "This is a verbatim\nstring");
        else if (Ascii.EqualsIgnoreCase(type, "TRUE"u8)) _writer.WriteBoolean(true);
        else if (Ascii.EqualsIgnoreCase(type, "FALSE"u8)) _writer.WriteBoolean(false);
        else WriteError("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }

    private void WriteDebugHelp()
    {
        string[] lines =
        {
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ERROR <string>",
            "    Return a Redis protocol error with <string> as message. Useful for clients",
            "    unit tests to simulate Redis errors.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "PROTOCOL <type>",
            "    Reply with a test value of the specified type. <type> can be: string,",
            "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
            "    true, false.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "HELP",
            "    Prints this help.",
        };
        _writer.WriteArrayHeader(lines.Length);
        foreach (var line in lines) _writer.WriteSimpleString(line);
    }
}
