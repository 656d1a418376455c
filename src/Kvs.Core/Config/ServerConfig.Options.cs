using System.Globalization;

namespace Kvs.Core.Config;

public sealed partial class ServerConfig
{
    private static ConfigOption Bool(string name, Func<ServerConfig, bool> get, Action<ServerConfig, bool> set, bool mutable = true) => new()
    {
        Name = name,
        Mutable = mutable,
        Apply = (c, v) => { var e = ParseBool(v, out var b); if (e == null) set(c, b); return e; },
        Format = c => get(c) ? "yes" : "no",
    };

    private static ConfigOption Int(string name, long min, long max, Func<ServerConfig, long> get, Action<ServerConfig, long> set, bool mutable = true, string? alias = null) => new()
    {
        Name = name,
        Alias = alias,
        Mutable = mutable,
        Apply = (c, v) => { var e = ParseInt(v, min, max, out var n); if (e == null) set(c, n); return e; },
        Format = c => get(c).ToString(CultureInfo.InvariantCulture),
    };

    private static ConfigOption Memory(string name, long min, long max, Func<ServerConfig, long> get, Action<ServerConfig, long> set, bool mutable = true, string? alias = null) => new()
    {
        Name = name,
        Alias = alias,
        Mutable = mutable,
        Apply = (c, v) => { var e = ParseMemory(v, min, max, out var n); if (e == null) set(c, n); return e; },
        Format = c => get(c).ToString(CultureInfo.InvariantCulture),
    };

    private static ConfigOption Text(string name, Func<ServerConfig, string> get, Action<ServerConfig, string> set, bool mutable = true, Func<string, string?>? validate = null) => new()
    {
        Name = name,
        Mutable = mutable,
        Apply = (c, v) => { var e = validate?.Invoke(v); if (e == null) set(c, v); return e; },
        Format = get,
    };

    private static ConfigOption Enum(string name, string[] allowed, Func<ServerConfig, string> get, Action<ServerConfig, string> set, bool mutable = true) => new()
    {
        Name = name,
        Mutable = mutable,
        Apply = (c, v) =>
        {
            foreach (var a in allowed)
                if (a.Equals(v, StringComparison.OrdinalIgnoreCase)) { set(c, a); return null; }
            return "argument(s) must be one of the following: " + string.Join(", ", allowed);
        },
        Format = get,
    };

    private static readonly ConfigOption[] OptionTable =
    {
        Int("port", 0, 65535, c => c.Port, (c, v) => c.Port = (int)v, mutable: false),
        Text("bind", c => c.Bind, (c, v) => c.Bind = v, mutable: false),
        Bool("protected-mode", c => c.ProtectedMode, (c, v) => c.ProtectedMode = v),
        Text("requirepass", c => c.RequirePass, (c, v) => c.RequirePass = v),
        Int("maxclients", 1, uint.MaxValue, c => c.MaxClients, (c, v) => c.MaxClients = (int)Math.Min(v, int.MaxValue)),
        Memory("proto-max-bulk-len", 1024 * 1024, long.MaxValue, c => c.ProtoMaxBulkLen, (c, v) => c.ProtoMaxBulkLen = v),
        Memory("client-query-buffer-limit", 1024 * 1024, long.MaxValue, c => c.ClientQueryBufferLimit, (c, v) => c.ClientQueryBufferLimit = v),
        Int("databases", 1, int.MaxValue, c => c.Databases, (c, v) => c.Databases = (int)v, mutable: false),
        Int("timeout", 0, int.MaxValue, c => c.Timeout, (c, v) => c.Timeout = (int)v),
        Int("tcp-keepalive", 0, int.MaxValue, c => c.TcpKeepAlive, (c, v) => c.TcpKeepAlive = (int)v),
        Int("hz", 0, int.MaxValue, c => c.Hz, (c, v) => c.Hz = (int)Math.Clamp(v, 1, 500)),
        Protect(Text("dir", c => Path.GetFullPath(c.Dir), (c, v) => c.Dir = v, mutable: false)),
        Protect(Text("dbfilename", c => c.DbFilename, (c, v) => c.DbFilename = v, mutable: false)),
        Bool("appendonly", c => c.AppendOnly, (c, v) => c.AppendOnly = v),
        Text("appendfilename", c => c.AppendFilename, (c, v) => c.AppendFilename = v, mutable: false),
        Text("appenddirname", c => c.AppendDirname, (c, v) => c.AppendDirname = v, mutable: false),
        Enum("appendfsync", new[] { "everysec", "always", "no" }, c => c.AppendFsync, (c, v) => c.AppendFsync = v),
        Text("save", c => c.Save, (c, v) => c.Save = v, validate: ValidateSave),
        Enum("loglevel", new[] { "debug", "verbose", "notice", "warning", "nothing" }, c => c.LogLevel, (c, v) => c.LogLevel = v),
        Text("logfile", c => c.LogFile, (c, v) => c.LogFile = v, mutable: false),
        Text("notify-keyspace-events", c => c.NotifyKeyspaceEvents, (c, v) => c.NotifyKeyspaceEvents = v, validate: ValidateNotifyFlags),
        Memory("maxmemory", 0, long.MaxValue, c => c.MaxMemory, (c, v) => c.MaxMemory = v),
        Enum("maxmemory-policy", new[] { "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction" }, c => c.MaxMemoryPolicy, (c, v) => c.MaxMemoryPolicy = v),
        new ConfigOption
        {
            Name = "client-output-buffer-limit",
            Apply = (c, v) => MergeOutputBufferLimits(c.ClientOutputBufferLimit, v, out var merged) ?? Assign(() => c.ClientOutputBufferLimit = merged),
            Format = c => c.ClientOutputBufferLimit,
        },
        Int("busy-reply-threshold", 0, long.MaxValue, c => c.BusyReplyThreshold, (c, v) => c.BusyReplyThreshold = v, alias: "lua-time-limit"),
        Bool("aof-load-truncated", c => c.AofLoadTruncated, (c, v) => c.AofLoadTruncated = v),
        Bool("stop-writes-on-bgsave-error", c => c.StopWritesOnBgsaveError, (c, v) => c.StopWritesOnBgsaveError = v),
        Int("auto-aof-rewrite-percentage", 0, int.MaxValue, c => c.AutoAofRewritePercentage, (c, v) => c.AutoAofRewritePercentage = (int)v),
        Memory("auto-aof-rewrite-min-size", 0, long.MaxValue, c => c.AutoAofRewriteMinSize, (c, v) => c.AutoAofRewriteMinSize = v),
        Int("slowlog-log-slower-than", -1, long.MaxValue, c => c.SlowlogLogSlowerThan, (c, v) => c.SlowlogLogSlowerThan = v),
        Int("slowlog-max-len", 0, long.MaxValue, c => c.SlowlogMaxLen, (c, v) => c.SlowlogMaxLen = (int)Math.Min(v, int.MaxValue)),
        Int("active-expire-effort", 1, 10, c => c.ActiveExpireEffort, (c, v) => c.ActiveExpireEffort = (int)v),
        Text("kvs-separators", c => c.KvsSeparators, (c, v) => c.KvsSeparators = v, mutable: false, validate: v => v.Length == 0 ? "argument must not be empty" : null),
        Int("kvs-history-depth", 1, 10000, c => c.KvsHistoryDepth, (c, v) => c.KvsHistoryDepth = (int)v),
        Int("kvs-history-values", 0, 10000, c => c.KvsHistoryValues, (c, v) => c.KvsHistoryValues = (int)v),
        Int("kvs-event-value-max", 0, int.MaxValue, c => c.KvsEventValueMax, (c, v) => c.KvsEventValueMax = (int)v),
        Int("kvs-changelog-size", 0, int.MaxValue, c => c.KvsChangelogSize, (c, v) => c.KvsChangelogSize = (int)v),
        Text("kvs-encryption-key-file", c => c.KvsEncryptionKeyFile, (c, v) => c.KvsEncryptionKeyFile = v, mutable: false),
        Int("kvs-http-port", 0, 65535, c => c.KvsHttpPort, (c, v) => c.KvsHttpPort = (int)v, mutable: false),
        Enum("enable-debug-command", new[] { "no", "yes", "local" }, c => c.EnableDebugCommand, (c, v) => c.EnableDebugCommand = v, mutable: false),
        Int("hash-max-listpack-entries", 0, long.MaxValue, c => c.HashMaxListpackEntries, (c, v) => c.HashMaxListpackEntries = v, alias: "hash-max-ziplist-entries"),
        Memory("hash-max-listpack-value", 0, long.MaxValue, c => c.HashMaxListpackValue, (c, v) => c.HashMaxListpackValue = v, alias: "hash-max-ziplist-value"),
        Int("set-max-intset-entries", 0, long.MaxValue, c => c.SetMaxIntsetEntries, (c, v) => c.SetMaxIntsetEntries = v),
        Memory("hll-sparse-max-bytes", 0, long.MaxValue, c => c.HllSparseMaxBytes, (c, v) => c.HllSparseMaxBytes = v),
        Int("zset-max-listpack-entries", 0, long.MaxValue, c => c.ZsetMaxListpackEntries, (c, v) => c.ZsetMaxListpackEntries = v, alias: "zset-max-ziplist-entries"),
        Int("zset-max-listpack-value", 0, long.MaxValue, c => c.ZsetMaxListpackValue, (c, v) => c.ZsetMaxListpackValue = v, alias: "zset-max-ziplist-value"),
    };

    /// <summary>Options Redis 7.0 marks PROTECTED_CONFIG (CONFIG SET refuses them with "can't set protected config").</summary>
    private static ConfigOption Protect(ConfigOption option) => new()
    {
        Name = option.Name,
        Alias = option.Alias,
        Mutable = option.Mutable,
        Protected = true,
        Apply = option.Apply,
        Format = option.Format,
    };

    private static string? Assign(Action set)
    {
        set();
        return null;
    }

    private static readonly string[] OutputBufferClasses = { "normal", "slave", "pubsub" };

    /// <summary>
    /// client-output-buffer-limit "class hard soft seconds [class hard soft seconds ...]" as Redis
    /// parses it: classes normal, replica (= slave), pubsub; memory units for the limits; classes
    /// not named keep their limits. The result is printed as Redis prints it (bytes, fixed order).
    /// </summary>
    internal static string? MergeOutputBufferLimits(string current, string value, out string merged)
    {
        merged = current;
        var limits = new long[3, 3];
        var old = current.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int j = 0; j + 3 < old.Length; j += 4)
        {
            int cls = System.Array.IndexOf(OutputBufferClasses, old[j] == "replica" ? "slave" : old[j]);
            if (cls < 0) continue;
            for (int k = 0; k < 3; k++) limits[cls, k] = long.TryParse(old[j + 1 + k], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        }
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
        for (int j = 0; j < parts.Length; j += 4)
        {
            string name = parts[j].ToLowerInvariant();
            int cls = System.Array.IndexOf(OutputBufferClasses, name == "replica" ? "slave" : name);
            if (cls < 0) return "Invalid client class specified in buffer limit configuration.";
            if (ParseMemory(parts[j + 1], 0, long.MaxValue, out long hard) != null ||
                ParseMemory(parts[j + 2], 0, long.MaxValue, out long soft) != null ||
                !long.TryParse(parts[j + 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long seconds) || seconds < 0)
                return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            limits[cls, 0] = hard;
            limits[cls, 1] = soft;
            limits[cls, 2] = seconds;
        }
        var sb = new System.Text.StringBuilder();
        for (int cls = 0; cls < 3; cls++)
        {
            if (cls > 0) sb.Append(' ');
            sb.Append(OutputBufferClasses[cls]);
            for (int k = 0; k < 3; k++) sb.Append(' ').Append(limits[cls, k].ToString(CultureInfo.InvariantCulture));
        }
        merged = sb.ToString();
        return null;
    }

    private static string? ValidateSave(string v)
    {
        var parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length % 2 != 0) return "Invalid save parameters";
        foreach (var p in parts)
            if (!long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return "Invalid save parameters";
        return null;
    }

    private static string? ValidateNotifyFlags(string v)
    {
        foreach (char ch in v)
            if ("gxs$lzhKEAetmdn".IndexOf(ch) < 0) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return null;
    }
}
