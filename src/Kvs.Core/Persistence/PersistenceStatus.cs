using System.Globalization;
using System.Text;

namespace Kvs.Core.Persistence;

/// <summary>
/// Read-only view of the persistence state for INFO persistence, with Redis 7.0's field names.
/// <see cref="AppendInfo"/> writes the whole section body in Redis's order; the properties are
/// there for anything else (metrics). Read it under the store lock for a consistent picture.
/// Fields that only make sense for fork-based saving (copy-on-write sizes, fork percentage)
/// are reported as 0, as by a Redis that never forked.
/// </summary>
public sealed class PersistenceStatus
{
    private readonly PersistenceManager _m;

    internal PersistenceStatus(PersistenceManager manager) => _m = manager;

    /// <summary>Always 0: the data set is loaded before the server accepts connections.</summary>
    public int Loading => 0;
    public long CurrentSaveKeysProcessed => _m.SaveProgress.Processed;
    public long CurrentSaveKeysTotal => _m.SaveProgress.Total;
    public long RdbChangesSinceLastSave => _m.ChangesSinceLastSave;
    public bool RdbBgsaveInProgress => _m.BgsaveInProgress;
    /// <summary>A BGSAVE SCHEDULE waiting for the rewrite to end (Redis keeps it internal; not an INFO field).</summary>
    public bool RdbBgsaveScheduled => _m.BgsaveScheduled;
    public long RdbLastSaveTime => _m.LastSaveUnixTime;
    public string RdbLastBgsaveStatus => _m.LastBgsaveOk ? "ok" : "err";
    public long RdbLastBgsaveTimeSec => _m.LastBgsaveSeconds;
    public long RdbCurrentBgsaveTimeSec => _m.BgsaveInProgress ? _m.CurrentJobSeconds : -1;
    public long RdbSaves => _m.RdbSaves;
    public long RdbLastLoadKeysExpired => _m.LoadedExpired;
    public long RdbLastLoadKeysLoaded => _m.LoadedKeys;
    public bool AofEnabled => _m.AofEnabled;
    public bool AofRewriteInProgress => _m.RewriteInProgress;
    public bool AofRewriteScheduled => _m.RewriteScheduled;
    public long AofLastRewriteTimeSec => _m.LastRewriteSeconds;
    public long AofCurrentRewriteTimeSec => _m.RewriteInProgress ? _m.CurrentJobSeconds : -1;
    public string AofLastBgrewriteStatus => _m.LastRewriteOk ? "ok" : "err";
    public long AofRewrites => _m.Rewrites;
    public long AofRewritesConsecutiveFailures => _m.RewriteFailures;
    public string AofLastWriteStatus => _m.AofWriteError == null ? "ok" : "err";
    public long AofCurrentSize => _m.AofCurrentSize;
    public long AofBaseSize => _m.AofBaseSize;
    public long AofBufferLength => _m.AofBufferLength;

    /// <summary>The body of INFO's "# Persistence" section (field:value lines, CRLF), in Redis 7.0's order.</summary>
    public void AppendInfo(StringBuilder sb)
    {
        Field(sb, "loading", Loading);
        Field(sb, "async_loading", 0);
        Field(sb, "current_cow_peak", 0);
        Field(sb, "current_cow_size", 0);
        Field(sb, "current_cow_size_age", 0);
        sb.Append("current_fork_perc:0.00\r\n");
        Field(sb, "current_save_keys_processed", CurrentSaveKeysProcessed);
        Field(sb, "current_save_keys_total", CurrentSaveKeysTotal);
        Field(sb, "rdb_changes_since_last_save", RdbChangesSinceLastSave);
        Field(sb, "rdb_bgsave_in_progress", RdbBgsaveInProgress ? 1 : 0);
        Field(sb, "rdb_last_save_time", RdbLastSaveTime);
        sb.Append("rdb_last_bgsave_status:").Append(RdbLastBgsaveStatus).Append("\r\n");
        Field(sb, "rdb_last_bgsave_time_sec", RdbLastBgsaveTimeSec);
        Field(sb, "rdb_current_bgsave_time_sec", RdbCurrentBgsaveTimeSec);
        Field(sb, "rdb_saves", RdbSaves);
        Field(sb, "rdb_last_cow_size", 0);
        Field(sb, "rdb_last_load_keys_expired", RdbLastLoadKeysExpired);
        Field(sb, "rdb_last_load_keys_loaded", RdbLastLoadKeysLoaded);
        Field(sb, "aof_enabled", AofEnabled ? 1 : 0);
        Field(sb, "aof_rewrite_in_progress", AofRewriteInProgress ? 1 : 0);
        Field(sb, "aof_rewrite_scheduled", AofRewriteScheduled ? 1 : 0);
        Field(sb, "aof_last_rewrite_time_sec", AofLastRewriteTimeSec);
        Field(sb, "aof_current_rewrite_time_sec", AofCurrentRewriteTimeSec);
        sb.Append("aof_last_bgrewrite_status:").Append(AofLastBgrewriteStatus).Append("\r\n");
        Field(sb, "aof_rewrites", AofRewrites);
        Field(sb, "aof_rewrites_consecutive_failures", AofRewritesConsecutiveFailures);
        sb.Append("aof_last_write_status:").Append(AofLastWriteStatus).Append("\r\n");
        Field(sb, "aof_last_cow_size", 0);
        Field(sb, "module_fork_in_progress", 0);
        Field(sb, "module_fork_last_cow_size", 0);
        if (AofEnabled)
        {
            Field(sb, "aof_current_size", AofCurrentSize);
            Field(sb, "aof_base_size", AofBaseSize);
            Field(sb, "aof_pending_rewrite", AofRewriteScheduled ? 1 : 0);
            Field(sb, "aof_buffer_length", AofBufferLength);
            Field(sb, "aof_pending_bio_fsync", 0);
            Field(sb, "aof_delayed_fsync", 0);
        }
    }

    private static void Field(StringBuilder sb, string name, long value) =>
        sb.Append(name).Append(':').Append(value.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
}
