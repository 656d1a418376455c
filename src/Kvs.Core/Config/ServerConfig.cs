using System.Globalization;

namespace Kvs.Core.Config;

/// <summary>
/// Every server option, by its redis.conf name. Values are kept typed in fields so that hot paths
/// read a field, not a dictionary; the option table below maps names to parse/format functions
/// for CONFIG GET/SET, the command line, config files and <c>KVS_*</c> environment variables.
/// </summary>
public sealed partial class ServerConfig
{
    public int Port = 6379;
    public string Bind = "127.0.0.1";
    public bool ProtectedMode = true;
    public string RequirePass = "";
    public int MaxClients = 10000;
    public long ProtoMaxBulkLen = 512L * 1024 * 1024;
    public long ClientQueryBufferLimit = 1024L * 1024 * 1024;
    public int Databases = 16;
    public int Timeout;
    public int TcpKeepAlive = 300;
    public int Hz = 10;
    public string Dir = "./data";
    public string DbFilename = "dump.rdb";
    public bool AppendOnly = true;
    public string AppendFilename = "appendonly.aof";
    public string AppendDirname = "appendonlydir";
    public string AppendFsync = "everysec";
    public string Save = "3600 1 300 100 60 10000";
    public string LogLevel = "notice";
    public string LogFile = "";
    public string NotifyKeyspaceEvents = "";
    public long MaxMemory;
    public string MaxMemoryPolicy = "noeviction";
    public string ClientOutputBufferLimit = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
    public long BusyReplyThreshold = 5000;
    public bool AofLoadTruncated = true;
    public bool StopWritesOnBgsaveError = true;
    public int AutoAofRewritePercentage = 100;
    public long AutoAofRewriteMinSize = 64L * 1024 * 1024;
    public long SlowlogLogSlowerThan = 10000;
    public int SlowlogMaxLen = 128;
    public int ActiveExpireEffort = 1;
    public string KvsSeparators = "/:";
    public int KvsHistoryDepth = 16;
    public int KvsHistoryValues;
    public int KvsEventValueMax = 4096;
    public int KvsChangelogSize = 100000;
    public string KvsEncryptionKeyFile = "";
    public int KvsHttpPort;
    public string EnableDebugCommand = "no";

    /// <summary>The config file the server was started with ("" when none): INFO config_file, CONFIG REWRITE.</summary>
    public string ConfigFile = "";

    /// <summary>DEBUG SET-ACTIVE-EXPIRE: when false the expiry janitor pauses (lazy expiry still applies). Not an option.</summary>
    public volatile bool ActiveExpireEnabled = true;
    public long HashMaxListpackEntries = 512;
    public long HashMaxListpackValue = 64;
    public long SetMaxIntsetEntries = 512;
    public long HllSparseMaxBytes = 3000;
    /// <summary>Sorted sets report "listpack" up to this many elements (Redis 7.0 default 128).</summary>
    public long ZsetMaxListpackEntries = 128;
    /// <summary>... and while every member is at most this many bytes (default 64).</summary>
    public long ZsetMaxListpackValue = 64;

    /// <summary>Raised after CONFIG SET changes an option (name), for components that cache values.</summary>
    public event Action<string>? Changed;

    public static IReadOnlyList<ConfigOption> Options => OptionTable;

    public static ConfigOption? FindOption(string name)
    {
        foreach (var o in OptionTable)
            if (string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase) ||
                (o.Alias != null && string.Equals(o.Alias, name, StringComparison.OrdinalIgnoreCase)))
                return o;
        return null;
    }

    /// <summary>Sets an option; returns an error text in Redis's wording, or null on success.</summary>
    public string? Set(ConfigOption option, string value, bool atStartup)
    {
        if (!atStartup && !option.Mutable) return "can't set immutable config";
        string? error = option.Apply(this, value);
        if (error == null && !atStartup) Changed?.Invoke(option.Name);
        return error;
    }

    public string Get(ConfigOption option) => option.Format(this);

    /// <summary>
    /// Raises <see cref="Changed"/> for an option whose value was applied directly through
    /// <see cref="ConfigOption.Apply"/> (CONFIG SET applies several options all-or-nothing, then notifies).
    /// </summary>
    public void NotifyChanged(string name) => Changed?.Invoke(name);

    internal static string? ParseBool(string v, out bool result)
    {
        if (v.Equals("yes", StringComparison.OrdinalIgnoreCase)) { result = true; return null; }
        if (v.Equals("no", StringComparison.OrdinalIgnoreCase)) { result = false; return null; }
        result = false;
        return "argument must be 'yes' or 'no'";
    }

    internal static string? ParseInt(string v, long min, long max, out long result)
    {
        if (!long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
            return "argument couldn't be parsed into an integer";
        if (result < min || result > max) return $"argument must be between {min} and {max} inclusive";
        return null;
    }

    /// <summary>Parses Redis memory units: 1k = 1000, 1kb = 1024, m/mb, g/gb.</summary>
    internal static string? ParseMemory(string v, long min, long max, out long result)
    {
        result = 0;
        string s = v.ToLowerInvariant();
        long mul = 1;
        foreach (var (suffix, m) in MemoryUnits)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal)) { mul = m; s = s[..^suffix.Length]; break; }
        }
        // Like Redis's memtoull: digits only, no sign.
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            return "argument must be a memory value";
        if (n > long.MaxValue / mul) return "argument must be a memory value";
        result = n * mul;
        if (result < min || result > max) return $"argument must be between {min} and {max} inclusive";
        return null;
    }

    private static readonly (string, long)[] MemoryUnits =
    {
        ("kb", 1024L), ("mb", 1024L * 1024), ("gb", 1024L * 1024 * 1024),
        ("k", 1000L), ("m", 1000L * 1000), ("g", 1000L * 1000 * 1000), ("b", 1L),
    };
}

/// <summary>One option: its name, whether CONFIG SET may change it, and how to parse and print it.</summary>
public sealed class ConfigOption
{
    public required string Name { get; init; }
    public string? Alias { get; init; }
    public bool Mutable { get; init; } = true;
    /// <summary>Redis's PROTECTED_CONFIG: not settable at runtime ("can't set protected config").</summary>
    public bool Protected { get; init; }
    public required Func<ServerConfig, string, string?> Apply { get; init; }
    public required Func<ServerConfig, string> Format { get; init; }
}
