using System.Diagnostics;
using System.Globalization;
using Kvs.Core.Config;
using Kvs.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Kvs.Core.Persistence;

/// <summary>
/// Durability of one server (SPEC §7, docs/adr/0004-durability.md): loads the data at start,
/// owns the append-only log, runs snapshots (SAVE, BGSAVE, <c>save</c> rules) and AOF rewrites
/// (BGREWRITEAOF, auto-aof-rewrite-*), refuses writes with MISCONF while the disk fails, and
/// flushes everything at shutdown.
/// <para>
/// Files, in <c>dir</c>: the snapshot <c>dbfilename</c> (SAVE/BGSAVE), and in
/// <c>appenddirname</c> the manifest naming a base file (a snapshot) and the increment files (logs)
/// to replay after it. When AOF is on it is what start-up loads; otherwise the snapshot.
/// </para>
/// <para>
/// Threading: the public commands (<see cref="Save"/>, <see cref="BackgroundSave"/>,
/// <see cref="BackgroundRewrite"/>) and the observer run under the store lock; background jobs run
/// on their own threads and take the lock in slices; a 100 ms cron applies the save rules and the
/// rewrite trigger and retries a log that could not be opened.
/// </para>
/// </summary>
public sealed class PersistenceManager : IDisposable
{
    private enum Job
    {
        None,
        Save,
        Rewrite,
    }

    private const string RdbMisconf = "MISCONF Kvs is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Kvs logs for details about the RDB error.";
    private const int BgsaveRetryDelaySeconds = 5;
    private const int MaxIncrementsBeforeRewrite = 8;

    private readonly KvsStore _store;
    private readonly ServerConfig _config;
    private readonly ILogger _logger;
    private readonly object _sync;
    private readonly object _manifestLock = new();
    private readonly StringCache _strings = new();
    private int[] _argOffsets = new int[64];
    private EncryptionKey? _key;
    private Timer? _cron;
    private bool _disposed;

    // ---- AOF (under the store lock unless noted)
    private AofManifest? _manifest;
    private string? _aofOpenError;
    private long _aofOpenRetryAt;
    private (string Path, long Length)? _pendingTruncation;
    /// <summary>AOF turned on at run time: until a base is written, files on disk (if any) are stale.</summary>
    private bool _aofNeedsBase;
    private long _aofBaseSize;
    private long _aofOldIncrementsSize;
    private long _aofRewriteBaseSize;

    // ---- background jobs (under the store lock)
    private Job _job;
    private SnapshotJob? _snapshot;
    private ushort _generation;
    private volatile bool _cancelJob;
    private Thread? _jobThread;
    private long _jobStartTicks;
    private bool _rewriteScheduled;
    private bool _bgsaveScheduled;

    // ---- status
    private long _lastSaveUnix;
    private long _lastSaveRevision;
    private bool _lastBgsaveOk = true;
    private long _lastBgsaveTryUnix;
    private long _lastBgsaveSeconds = -1;
    private long _rdbSaves;
    private bool _lastRewriteOk = true;
    private long _lastRewriteSeconds = -1;
    private long _rewrites;
    private long _rewriteFailures;
    private long _loadedKeys;
    private long _loadedExpired;
    private List<(long Seconds, long Changes)> _saveParams = new();
    private bool? _shutdownSave;

    public PersistenceManager(KvsStore store, ServerConfig config, ILogger<PersistenceManager> logger)
    {
        _store = store;
        _config = config;
        _logger = logger;
        _sync = store.SyncRoot;
        Directory = Path.GetFullPath(config.Dir);
        AofDirectory = Path.Combine(Directory, config.AppendDirname);
        DumpPath = Path.Combine(Directory, config.DbFilename);
        ManifestName = AofManifest.ManifestName(config.AppendFilename);
        _saveParams = ParseSaveParams(config.Save);
        _lastSaveUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        store.AddObserver(new Observer(this));
        config.Changed += OnConfigChanged;
        Status = new PersistenceStatus(this);
    }

    public string Directory { get; }
    public string AofDirectory { get; }
    public string DumpPath { get; }
    public string ManifestName { get; }
    public string ManifestPath => Path.Combine(AofDirectory, ManifestName);

    /// <summary>The log commands are appended to, or null when AOF is off (read by sessions under the lock).</summary>
    public AppendOnlyLog? Journal { get; private set; }

    /// <summary>INFO persistence values (read-only).</summary>
    public PersistenceStatus Status { get; }

    /// <summary>
    /// The MISCONF error that write commands (and PING) get while persistence fails, or null.
    /// Redis's writeCommandsDeniedByDiskError: a failed background save with save rules and
    /// stop-writes-on-bgsave-error, or an AOF that cannot be written.
    /// </summary>
    public string? DenyWritesError
    {
        get
        {
            if (!_lastBgsaveOk && _config.StopWritesOnBgsaveError && _saveParams.Count > 0) return RdbMisconf;
            if (!_config.AppendOnly) return null;
            string? error = Journal?.LastWriteError ?? _aofOpenError;
            return error == null ? null : "MISCONF Errors writing to the AOF file: " + error;
        }
    }

    /// <summary>SHUTDOWN's choice: true = save (the default), false = NOSAVE.</summary>
    public void RequestShutdownSave(bool save) => _shutdownSave = save;

    // ================================================================== loading

    /// <summary>
    /// Loads the data set (before the server listens): the AOF (base, then increments) when
    /// appendonly is on and a manifest exists, else the snapshot file; then opens the log for
    /// new writes. Throws <see cref="PersistenceException"/> when the server must not start
    /// (corruption in the middle of a file, wrong or missing encryption key).
    /// </summary>
    public void Load(ICommandReplayer replayer)
    {
        if (_config.KvsEncryptionKeyFile.Length > 0) _key = EncryptionKey.Load(_config.KvsEncryptionKeyFile);
        var watch = Stopwatch.StartNew();
        string? source = null;
        bool rewriteForEncryption = false;
        lock (_sync)
        {
            int historyDepth = _config.KvsHistoryDepth;
            int historyValues = _config.KvsHistoryValues;
            try
            {
                if (_config.AppendOnly && File.Exists(ManifestPath))
                {
                    _manifest = AofManifest.Load(ManifestPath);
                    rewriteForEncryption = LoadAof(_manifest, replayer);
                    source = "append only file";
                }
                else if (File.Exists(DumpPath))
                {
                    var (keys, expired, encrypted) = SnapshotFile.Load(_store, DumpPath, _key);
                    _loadedKeys = keys;
                    _loadedExpired = expired;
                    rewriteForEncryption = encrypted != (_key != null);
                    source = "snapshot " + _config.DbFilename;
                }
            }
            finally
            {
                // CONFIG SET records applied during replay shaped the history as it was; the
                // configuration in force is the one the server was started with.
                _config.KvsHistoryDepth = historyDepth;
                _config.KvsHistoryValues = historyValues;
            }
            _store.RefreshClock();
            var stats = _store.Stats;
            stats.KeyspaceHits = stats.KeyspaceMisses = stats.ExpiredKeys = stats.EvictedKeys = stats.ExpiredStalePercentTimes = 0;
            _lastSaveRevision = _store.Revision;
            long total = 0;
            for (int i = 0; i < _store.DatabaseCount; i++) total += _store.GetDatabase(i).Count;
            if (source != null)
                _logger.LogInformation("DB loaded from {Source}: {Keys} keys in {Seconds:F3} seconds (revision {Revision})", source, total, watch.Elapsed.TotalSeconds, _store.Revision);
            if (_config.AppendOnly) OpenAof(forceRewrite: rewriteForEncryption);
        }
    }

    /// <summary>Loads the base and replays the increments; returns true when the files' encryption differs from the configured one.</summary>
    private bool LoadAof(AofManifest manifest, ICommandReplayer replayer)
    {
        bool mismatch = false;
        if (manifest.Base is { } b)
        {
            string path = Path.Combine(AofDirectory, b.FileName);
            if (!File.Exists(path)) throw new PersistenceException($"The AOF base file '{path}' named in the manifest doesn't exist");
            var (keys, expired, encrypted) = SnapshotFile.Load(_store, path, _key);
            _loadedKeys = keys;
            _loadedExpired = expired;
            mismatch |= encrypted != (_key != null);
        }
        for (int i = 0; i < manifest.Increments.Count; i++)
        {
            string path = Path.Combine(AofDirectory, manifest.Increments[i].FileName);
            if (!File.Exists(path)) throw new PersistenceException($"The AOF file '{path}' named in the manifest doesn't exist");
            mismatch |= ReplayIncrement(path, manifest, i, replayer);
        }
        return mismatch;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool ReplayIncrement(string path, AofManifest manifest, int index, ICommandReplayer replayer)
    {
        using var reader = DataFileReader.Open(path, _key);
        if (reader.Header.Kind != DataFileKind.Log) throw new PersistenceException($"'{path}' is not an AOF increment file");
        while (true)
        {
            var status = reader.Next(out var body);
            if (status == RecordStatus.End) break;
            if (status == RecordStatus.Record)
            {
                try
                {
                    ApplyRecord(body, replayer);
                    AfterRecord(body);
                }
                catch (Exception ex) when (ex is FormatException or PersistenceException or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
                {
                    throw new PersistenceException($"Can't replay the record at offset {reader.RecordOffset} of the append only file '{path}': {ex.Message}");
                }
                continue;
            }
            bool lastWithData = !LaterIncrementsHaveRecords(manifest, index);
            if (status == RecordStatus.Torn && lastWithData)
            {
                if (!_config.AofLoadTruncated)
                    throw new PersistenceException($"Unexpected end of file reading the append only file '{path}' at offset {reader.RecordOffset} ({reader.Problem}). You can: 1) Make a backup of your AOF files, then use: kvs-server check-aof --fix {path}. 2) Alternatively set the 'aof-load-truncated' option to yes and restart the server.");
                _logger.LogWarning("!!! Warning: short read while loading the AOF file {File}: {Problem} !!!", reader.Name, reader.Problem);
                _logger.LogWarning("!!! Truncating the AOF file {File} at offset {Offset} !!!", reader.Name, reader.NextOffset);
                _logger.LogWarning("AOF {File} loaded anyway because aof-load-truncated is enabled ({Dropped} bytes of an interrupted write dropped)", reader.Name, reader.FileLength - reader.NextOffset);
                _pendingTruncation = (path, reader.NextOffset);
                break;
            }
            throw new PersistenceException($"Bad file format reading the append only file '{path}' at offset {reader.RecordOffset}: {reader.Problem}. Make a backup of your AOF files, then use: kvs-server check-aof --fix {path}");
        }
        return reader.Header.Encrypted != (_key != null);
    }

    private bool LaterIncrementsHaveRecords(AofManifest manifest, int index)
    {
        for (int j = index + 1; j < manifest.Increments.Count; j++)
        {
            var info = new FileInfo(Path.Combine(AofDirectory, manifest.Increments[j].FileName));
            if (info.Exists && info.Length > DataFileHeader.Size) return true;
        }
        return false;
    }

    /// <summary>Applies one log record (under the lock, loading).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ApplyRecord(ReadOnlySpan<byte> body, ICommandReplayer replayer)
    {
        var r = new RecordReader(body);
        byte kind = r.ReadByte();
        switch (kind)
        {
            case LogRecords.Command:
            {
                int db = r.ReadCount();
                long clock = r.ReadInt64();
                long revision = r.ReadVarintLong();
                string? by = _strings.Read(ref r);
                string? comment = r.ReadString();
                string? op = _strings.Read(ref r);
                int argc = r.ReadCount();
                if (argc == 0 || argc > body.Length) throw new FormatException($"bad argument count {argc}");
                if (_argOffsets.Length < argc * 2) _argOffsets = new int[Math.Max(argc * 2, _argOffsets.Length * 2)];
                for (int i = 0; i < argc; i++)
                {
                    int length = r.ReadCount();
                    _argOffsets[2 * i] = r.Position;
                    _argOffsets[2 * i + 1] = length;
                    r.ReadRaw(length);
                }
                CheckDatabase(db);
                _store.SetClockForReplay(clock);
                _store.RestoreRevision(revision);
                replayer.Replay(new LoggedCommand
                {
                    Db = db,
                    Clock = clock,
                    RevisionBefore = revision,
                    ModifiedBy = by,
                    Comment = comment,
                    Op = op,
                    Source = body,
                    Args = _argOffsets.AsSpan(0, argc * 2),
                });
                break;
            }
            case LogRecords.Delete:
            {
                int db = r.ReadCount();
                long clock = r.ReadInt64();
                long revision = r.ReadVarintLong();
                byte reason = r.ReadByte();
                var key = r.ReadBytes();
                CheckDatabase(db);
                _store.SetClockForReplay(clock);
                _store.RestoreRevision(revision);
                _store.RemoveForReplay(_store.GetDatabase(db), key, reason == LogRecords.ReasonEvicted ? ChangeKind.Evicted : ChangeKind.Expired);
                break;
            }
            case LogRecords.Config:
            {
                string name = r.ReadString() ?? "";
                string value = r.ReadString() ?? "";
                var option = ServerConfig.FindOption(name);
                if (option != null) _config.Set(option, value, atStartup: true);
                break;
            }
            case LogRecords.Skip:
                break;
            default:
                throw new FormatException($"unknown record kind {kind}");
        }
    }

    /// <summary>Every command or removal record consumed at least one revision when it ran: the counter never ends below that.</summary>
    private void AfterRecord(ReadOnlySpan<byte> body)
    {
        if (body.Length == 0 || body[0] is not (LogRecords.Command or LogRecords.Delete)) return;
        var r = new RecordReader(body);
        r.ReadByte();
        r.ReadCount();
        r.ReadInt64();
        _store.EnsureRevisionAtLeast(r.ReadVarintLong() + 1);
    }

    private void CheckDatabase(int db)
    {
        if (db >= _store.DatabaseCount)
            throw new PersistenceException($"the record is for database {db}, but 'databases' is {_store.DatabaseCount}");
    }

    // ================================================================== opening the log

    /// <summary>
    /// Opens the log for new writes (start-up, and retries while the directory is unwritable):
    /// a new increment file added to the manifest, or — when there is no AOF yet but there is
    /// data, or the files' encryption differs from the configuration — a fresh base written now.
    /// On an I/O error the server runs with writes refused (MISCONF) and retries every second.
    /// Under the lock.
    /// </summary>
    private void OpenAof(bool forceRewrite)
    {
        try
        {
            System.IO.Directory.CreateDirectory(AofDirectory);
            if (_pendingTruncation is { } t)
            {
                using (var fs = new FileStream(t.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                {
                    fs.SetLength(t.Length);
                    fs.Flush(flushToDisk: true);
                }
                _pendingTruncation = null;
            }
            bool haveData = false;
            for (int i = 0; i < _store.DatabaseCount && !haveData; i++) haveData = _store.GetDatabase(i).Count > 0;
            if (forceRewrite || (_manifest == null && haveData))
            {
                RewriteNow();
            }
            else
            {
                long seq = _manifest?.NextSeq ?? 1;
                string name = AofManifest.IncrementName(_config.AppendFilename, seq);
                var incr = DataFileWriter.Create(Path.Combine(AofDirectory, name), DataFileKind.Log, _store.Revision, _key);
                try
                {
                    incr.Sync();
                    NativeIo.SyncDirectory(AofDirectory);
                    var next = _manifest?.Clone() ?? new AofManifest();
                    next.Increments.Add(new AofManifest.Item(name, seq));
                    lock (_manifestLock) next.Save(AofDirectory, ManifestName);
                    _manifest = next;
                }
                catch
                {
                    incr.Dispose();
                    TryDelete(incr.Path);
                    throw;
                }
                Journal = new AppendOnlyLog(_sync, _config, _logger, incr);
                if (_manifest.Increments.Count > MaxIncrementsBeforeRewrite) _rewriteScheduled = true;
            }
            RemoveStrayFiles();
            RecountAofSizes();
            _aofRewriteBaseSize = AofCurrentSize;
            if (_aofOpenError != null) _logger.LogWarning("The append only file could be opened again; write commands are accepted.");
            _aofOpenError = null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string error = IoErrors.Describe(ex);
            if (_aofOpenError == null)
                _logger.LogError("Can't open the append only file in {Dir}: {Error}. Write commands are refused (MISCONF) until it can be opened; retrying every second.", AofDirectory, error);
            _aofOpenError = error;
            _aofOpenRetryAt = Environment.TickCount64 + 1000;
        }
    }

    /// <summary>Writes a new base (the whole data set, now, under the lock) plus an empty increment, and swaps the manifest to them.</summary>
    private void RewriteNow()
    {
        long seq = _manifest?.NextSeq ?? 1;
        string baseName = AofManifest.BaseName(_config.AppendFilename, seq);
        string incrName = AofManifest.IncrementName(_config.AppendFilename, seq);
        string basePath = Path.Combine(AofDirectory, baseName);
        DataFileWriter? incr = null;
        try
        {
            using (var baseFile = DataFileWriter.Create(basePath, DataFileKind.Snapshot, _store.Revision, _key))
                SnapshotFile.WriteAll(_store, baseFile);
            incr = DataFileWriter.Create(Path.Combine(AofDirectory, incrName), DataFileKind.Log, _store.Revision, _key);
            incr.Sync();
            NativeIo.SyncDirectory(AofDirectory);
            var next = new AofManifest { Base = new AofManifest.Item(baseName, seq) };
            next.Increments.Add(new AofManifest.Item(incrName, seq));
            var old = _manifest;
            lock (_manifestLock) next.Save(AofDirectory, ManifestName);
            _manifest = next;
            DeleteReplacedFiles(old, next);
        }
        catch
        {
            if (incr != null)
            {
                incr.Dispose();
                TryDelete(incr.Path);
            }
            TryDelete(basePath);
            throw;
        }
        Journal = new AppendOnlyLog(_sync, _config, _logger, incr);
        _aofNeedsBase = false;
        _logger.LogInformation("Created a new AOF base {Base} and increment {Incr}", baseName, incrName);
    }

    private void DeleteReplacedFiles(AofManifest? old, AofManifest next)
    {
        if (old == null) return;
        var keep = new HashSet<string>(next.FileNames(), StringComparer.Ordinal);
        foreach (var name in old.FileNames())
            if (!keep.Contains(name)) TryDelete(Path.Combine(AofDirectory, name));
    }

    /// <summary>Removes our own files that no manifest names (left by a crash during a rewrite).</summary>
    private void RemoveStrayFiles()
    {
        if (_manifest == null || !System.IO.Directory.Exists(AofDirectory)) return;
        var keep = new HashSet<string>(_manifest.FileNames(), StringComparer.Ordinal);
        string prefix = _config.AppendFilename + ".";
        foreach (var path in System.IO.Directory.EnumerateFiles(AofDirectory))
        {
            string name = Path.GetFileName(path);
            bool ours = (name.StartsWith(prefix, StringComparison.Ordinal) && (name.EndsWith(".base.kvs", StringComparison.Ordinal) || name.EndsWith(".incr.kvs", StringComparison.Ordinal)))
                || name.StartsWith("temp-", StringComparison.Ordinal);
            if (ours && !keep.Contains(name) && name != ManifestName) TryDelete(path);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    private void RecountAofSizes()
    {
        _aofBaseSize = 0;
        _aofOldIncrementsSize = 0;
        if (_manifest == null) return;
        if (_manifest.Base is { } b) _aofBaseSize = FileSize(b.FileName);
        string? current = Journal?.CurrentFile.Name;
        foreach (var i in _manifest.Increments)
            if (i.FileName != current) _aofOldIncrementsSize += FileSize(i.FileName);
    }

    private long FileSize(string name)
    {
        var info = new FileInfo(Path.Combine(AofDirectory, name));
        return info.Exists ? info.Length : 0;
    }

    /// <summary>aof_current_size: base + increments.</summary>
    internal long AofCurrentSize => _aofBaseSize + _aofOldIncrementsSize + (Journal?.CurrentFile.Length ?? 0);

    // ================================================================== commands (under the lock)

    /// <summary>SAVE: a snapshot written now, blocking the server like Redis. Returns null or the error reply.</summary>
    public string? Save()
    {
        if (_job == Job.Save) return "ERR Background save already in progress";
        try
        {
            WriteDumpNow();
            _lastBgsaveOk = true;
            _logger.LogInformation("DB saved on disk");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PersistenceException)
        {
            _logger.LogError("Failed saving the snapshot {File}: {Error}", DumpPath, ex is PersistenceException ? ex.Message : IoErrors.Describe(ex));
            return "ERR";
        }
    }

    private void WriteDumpNow()
    {
        System.IO.Directory.CreateDirectory(Directory);
        string temp = Path.Combine(Directory, $"temp-{Environment.ProcessId}.kvs");
        try
        {
            using (var file = DataFileWriter.Create(temp, DataFileKind.Snapshot, _store.Revision, _key))
                SnapshotFile.WriteAll(_store, file);
            File.Move(temp, DumpPath, overwrite: true);
            NativeIo.SyncDirectory(Directory);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        _lastSaveUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _lastSaveRevision = _store.Revision;
        _rdbSaves++;
    }

    /// <summary>BGSAVE [SCHEDULE]: the reply (a status text, or an error starting with ERR).</summary>
    public string BackgroundSave(bool schedule)
    {
        if (_job == Job.Save) return "ERR Background save already in progress";
        if (_job == Job.Rewrite)
        {
            if (!schedule) return "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
            _bgsaveScheduled = true;
            return "Background saving scheduled";
        }
        StartJob(Job.Save);
        return "Background saving started";
    }

    /// <summary>BGREWRITEAOF: the reply (a status text, or an error starting with ERR).</summary>
    public string BackgroundRewrite()
    {
        if (_job == Job.Rewrite) return "ERR Background append only file rewriting already in progress";
        if (_job == Job.Save)
        {
            _rewriteScheduled = true;
            return "Background append only file rewriting scheduled";
        }
        StartJob(Job.Rewrite);
        return "Background append only file rewriting started";
    }

    /// <summary>LASTSAVE: unix time of the last successful save.</summary>
    public long LastSaveUnixTime => _lastSaveUnix;

    private void StartJob(Job job)
    {
        _job = job;
        _cancelJob = false;
        _jobStartTicks = Stopwatch.GetTimestamp();
        if (job == Job.Save)
        {
            _bgsaveScheduled = false;
            _lastBgsaveTryUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            _logger.LogInformation("Background saving started");
        }
        else
        {
            _rewriteScheduled = false;
            _logger.LogInformation("Background append only file rewriting started");
        }
        if (job == Job.Save)
        {
            // The image is of this moment, as a fork would take it: later changes are copied on write.
            var snapshot = new SnapshotJob(_store, TagSize, NextGeneration());
            _snapshot = snapshot;
            _jobThread = new Thread(() => RunBackgroundSave(snapshot)) { IsBackground = true, Name = "kvs-bgsave" };
        }
        else _jobThread = new Thread(RunRewrite) { IsBackground = true, Name = "kvs-rewrite" };
        _jobThread.Start();
    }

    private ushort NextGeneration()
    {
        _generation++;
        if (_generation == 0) _generation = 1;
        return _generation;
    }

    /// <summary>Walks a snapshot job to the end in ≤ 1 ms slices under the lock, writing outside it.</summary>
    private void RunSnapshot(SnapshotJob job)
    {
        long slice = Stopwatch.Frequency / 1000;
        while (true)
        {
            RecordBuffer chunk;
            bool done;
            lock (_sync)
            {
                if (_cancelJob) throw new OperationCanceledException();
                done = job.WalkSlice(slice);
                if (done && ReferenceEquals(_snapshot, job)) _snapshot = null;
                chunk = job.TakeChunk();
            }
            job.WriteChunk(chunk);
            if (done) break;
            Thread.Yield();
        }
        job.Finish();
    }

    private int TagSize => _key != null ? EncryptionKey.TagSize : 0;

    private void RunBackgroundSave(SnapshotJob job)
    {
        string temp = Path.Combine(Directory, $"temp-{Environment.ProcessId}.kvs");
        DataFileWriter? file = null;
        bool ok = false;
        long revision = 0;
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            file = DataFileWriter.Create(temp, DataFileKind.Snapshot, job.Revision, _key);
            job.AttachFile(file);
            revision = job.Revision;
            RunSnapshot(job);
            file.Dispose();
            File.Move(temp, DumpPath, overwrite: true);
            NativeIo.SyncDirectory(Directory);
            ok = true;
            _logger.LogInformation("Background saving terminated with success ({Keys} keys)", job.KeysWritten);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Background saving cancelled");
        }
        catch (Exception ex)
        {
            _logger.LogError("Background saving error: {Error}", ex is IOException or UnauthorizedAccessException ? IoErrors.Describe(ex) : ex.Message);
        }
        finally
        {
            file?.Dispose();
            if (!ok) TryDelete(temp);
            lock (_sync)
            {
                _snapshot = null;
                _job = Job.None;
                _lastBgsaveSeconds = (long)Stopwatch.GetElapsedTime(_jobStartTicks).TotalSeconds;
                if (ok)
                {
                    _lastSaveUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                    _lastSaveRevision = revision;
                    _rdbSaves++;
                }
                if (!_cancelJob) _lastBgsaveOk = ok;
            }
        }
    }

    /// <summary>
    /// The background AOF rewrite. (1) A new increment file is created and added to the manifest,
    /// so that a crash from here on still replays it. (2) Under the lock, T is taken, the log is
    /// switched to the new increment and the snapshot job starts — both at T. (3) The base is
    /// written (copy-on-write, clients keep running). (4) The manifest is replaced by
    /// {new base, new increment} and the old files are deleted. A crash at any point leaves a
    /// manifest whose files hold every acknowledged write.
    /// </summary>
    private void RunRewrite()
    {
        DataFileWriter? incr = null;
        DataFileWriter? baseFile = null;
        string? basePath = null;
        bool incrInUse = false;
        bool incrListed = false;
        bool ok = false;
        try
        {
            long seq;
            bool aofOn;
            AofManifest? current;
            lock (_sync)
            {
                aofOn = _config.AppendOnly;
                current = _manifest;
                seq = current?.NextSeq ?? 1;
            }
            System.IO.Directory.CreateDirectory(AofDirectory);
            string incrName = AofManifest.IncrementName(_config.AppendFilename, seq);
            string baseName = AofManifest.BaseName(_config.AppendFilename, seq);
            bool journalRunning;
            lock (_sync) journalRunning = Journal != null;
            if (aofOn)
            {
                incr = DataFileWriter.Create(Path.Combine(AofDirectory, incrName), DataFileKind.Log, 0, _key);
                incr.Sync();
                NativeIo.SyncDirectory(AofDirectory);
                if (journalRunning && current != null)
                {
                    var interim = current.Clone();
                    interim.Increments.Add(new AofManifest.Item(incrName, seq));
                    lock (_manifestLock) interim.Save(AofDirectory, ManifestName);
                    incrListed = true;
                    lock (_sync) _manifest = interim;
                }
            }
            basePath = Path.Combine(AofDirectory, baseName);
            baseFile = DataFileWriter.Create(basePath, DataFileKind.Snapshot, 0, _key);
            SnapshotJob job;
            lock (_sync)
            {
                if (_cancelJob) throw new OperationCanceledException();
                job = new SnapshotJob(_store, TagSize, NextGeneration());
                job.AttachFile(baseFile);
                _snapshot = job;
                if (incr != null)
                {
                    if (Journal != null) Journal.RotateTo(incr);
                    else if (_config.AppendOnly) Journal = new AppendOnlyLog(_sync, _config, _logger, incr);
                    incrInUse = true;
                }
            }
            RunSnapshot(job);
            baseFile.Dispose();
            NativeIo.SyncDirectory(AofDirectory);
            var next = new AofManifest { Base = new AofManifest.Item(baseName, seq) };
            if (incrInUse) next.Increments.Add(new AofManifest.Item(incrName, seq));
            AofManifest? old;
            lock (_manifestLock)
            {
                next.Save(AofDirectory, ManifestName);
                lock (_sync)
                {
                    old = _manifest;
                    _manifest = next;
                    if (incrInUse) _aofNeedsBase = false;
                    if (_aofOpenError != null && Journal != null) _aofOpenError = null;
                }
            }
            DeleteReplacedFiles(old, next);
            lock (_sync)
            {
                RecountAofSizes();
                _aofRewriteBaseSize = AofCurrentSize;
            }
            ok = true;
            _logger.LogInformation("Background AOF rewrite terminated with success ({Keys} keys at revision {Revision}); manifest now names {Base} and {Incr}", job.KeysWritten, job.Revision, baseName, incrInUse ? incrName : "no increment");
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Background AOF rewrite cancelled");
        }
        catch (Exception ex)
        {
            string error = ex is IOException or UnauthorizedAccessException ? IoErrors.Describe(ex) : ex.Message;
            _logger.LogError("Background AOF rewrite failed: {Error}", error);
            lock (_sync)
            {
                // AOF turned on but never opened: refuse writes (MISCONF) and let the cron retry.
                if (_config.AppendOnly && Journal == null && !_cancelJob)
                {
                    _aofOpenError = error;
                    _aofOpenRetryAt = Environment.TickCount64 + 1000;
                }
            }
        }
        finally
        {
            baseFile?.Dispose();
            if (!ok && basePath != null) TryDelete(basePath);
            if (incr != null && !incrInUse)
            {
                // Not written to; deleted unless the manifest already names it (an empty log then).
                incr.Dispose();
                if (!incrListed) TryDelete(incr.Path);
            }
            lock (_sync)
            {
                _snapshot = null;
                _job = Job.None;
                _lastRewriteSeconds = (long)Stopwatch.GetElapsedTime(_jobStartTicks).TotalSeconds;
                if (ok)
                {
                    _rewrites++;
                    _rewriteFailures = 0;
                }
                else if (!_cancelJob) _rewriteFailures++;
                if (!_cancelJob) _lastRewriteOk = ok;
            }
        }
    }

    // ================================================================== cron, config, shutdown

    /// <summary>Starts the 100 ms cron (save rules, rewrite trigger, log reopening); after <see cref="Load"/>.</summary>
    public void Start()
    {
        // A value type that exists (it registered its deep copy) but has no snapshot codec would
        // make every BGSAVE and rewrite fail once such a key exists: say so at start.
        foreach (var type in KvsValues.Cloners.Keys)
            if (!ValueCodecs.IsRegistered(type))
                _logger.LogWarning("No snapshot codec is registered for {Type} values (Persistence/ValueCodecs.cs): BGSAVE, SAVE and AOF rewrites will fail while such keys exist", type);
        _cron = new Timer(_ => Tick(), null, 100, Timeout.Infinite);
    }

    private void Tick()
    {
        try
        {
            lock (_sync)
            {
                if (_disposed) return;
                if (_config.AppendOnly && Journal == null && _aofOpenError != null && _job == Job.None && Environment.TickCount64 >= _aofOpenRetryAt)
                    OpenAof(forceRewrite: _aofNeedsBase);
                if (_job != Job.None) return;
                if (_rewriteScheduled)
                {
                    StartJob(Job.Rewrite);
                    return;
                }
                if (_bgsaveScheduled)
                {
                    StartJob(Job.Save);
                    return;
                }
                long nowSec = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                long changes = _store.Revision - _lastSaveRevision;
                foreach (var (seconds, minChanges) in _saveParams)
                {
                    if (changes >= minChanges && nowSec - _lastSaveUnix >= seconds && (_lastBgsaveOk || nowSec - _lastBgsaveTryUnix > BgsaveRetryDelaySeconds))
                    {
                        _logger.LogInformation("{Changes} changes in {Seconds} seconds. Saving...", minChanges, seconds);
                        StartJob(Job.Save);
                        return;
                    }
                }
                if (_config.AppendOnly && Journal != null && _config.AutoAofRewritePercentage > 0)
                {
                    long size = AofCurrentSize;
                    if (size > _config.AutoAofRewriteMinSize)
                    {
                        long baseSize = Math.Max(1, _aofRewriteBaseSize);
                        long growth = size * 100 / baseSize - 100;
                        if (growth >= _config.AutoAofRewritePercentage)
                        {
                            _logger.LogInformation("Starting automatic rewriting of AOF on {Growth}% growth", growth);
                            StartJob(Job.Rewrite);
                        }
                    }
                }
            }
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Persistence cron failed");
        }
        finally
        {
            if (!_disposed)
            {
                try
                {
                    _cron?.Change(100, Timeout.Infinite);
                }
                catch (ObjectDisposedException) { }
            }
        }
    }

    /// <summary>CONFIG SET (under the lock): save rules, appendonly on/off, history options logged for replay.</summary>
    private void OnConfigChanged(string option)
    {
        switch (option)
        {
            case "save":
                _saveParams = ParseSaveParams(_config.Save);
                break;
            case "appendonly":
                if (_config.AppendOnly && Journal == null)
                {
                    // Redis's startAppendOnly: the log starts with a rewrite that writes the base.
                    _aofNeedsBase = true;
                    if (_job == Job.None) StartJob(Job.Rewrite);
                    else if (_job == Job.Save) _rewriteScheduled = true;
                }
                else if (!_config.AppendOnly && Journal != null)
                {
                    var journal = Journal;
                    Journal = null;
                    _aofOpenError = null;
                    if (_job == Job.Rewrite) _cancelJob = true;
                    ThreadPool.QueueUserWorkItem(_ => journal.Dispose());
                }
                break;
            case "kvs-history-depth":
            case "kvs-history-values":
                if (ServerConfig.FindOption(option) is { } o) Journal?.AppendConfig(option, _config.Get(o));
                break;
        }
    }

    private static List<(long, long)> ParseSaveParams(string save)
    {
        var list = new List<(long, long)>();
        var parts = save.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < parts.Length; i += 2)
        {
            if (long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out long s) &&
                long.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out long c))
                list.Add((s, c));
        }
        return list;
    }

    /// <summary>
    /// Graceful stop (after the server stopped serving): cancels a background job, writes the
    /// final snapshot unless SHUTDOWN NOSAVE (when save rules are configured, as Redis does), and
    /// writes and fsyncs the log.
    /// </summary>
    public void Shutdown()
    {
        Thread? thread;
        lock (_sync)
        {
            if (_disposed) return;
            _disposed = true;
            _cancelJob = true;
            thread = _jobThread;
        }
        _cron?.Dispose();
        thread?.Join(TimeSpan.FromSeconds(10));
        bool save = _shutdownSave ?? true;
        AppendOnlyLog? journal;
        lock (_sync)
        {
            if (save && _saveParams.Count > 0)
            {
                _logger.LogInformation("Saving the final snapshot before exiting.");
                try
                {
                    WriteDumpNow();
                    _logger.LogInformation("DB saved on disk");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PersistenceException)
                {
                    _logger.LogError("Error trying to save the DB, can't exit cleanly: {Error}", ex is PersistenceException ? ex.Message : IoErrors.Describe(ex));
                }
            }
            journal = Journal;
        }
        if (journal != null)
        {
            _logger.LogInformation("Calling fsync() on the AOF file.");
            journal.Dispose();
        }
    }

    public void Dispose() => Shutdown();

    // ================================================================== status

    internal bool AofEnabled => _config.AppendOnly;
    internal bool RewriteInProgress => _job == Job.Rewrite;
    internal bool RewriteScheduled => _rewriteScheduled;
    internal bool BgsaveInProgress => _job == Job.Save;
    internal bool BgsaveScheduled => _bgsaveScheduled;
    internal long CurrentJobSeconds => _job == Job.None ? -1 : (long)Stopwatch.GetElapsedTime(_jobStartTicks).TotalSeconds;
    internal long LastBgsaveSeconds => _lastBgsaveSeconds;
    internal long LastRewriteSeconds => _lastRewriteSeconds;
    internal bool LastBgsaveOk => _lastBgsaveOk;
    internal bool LastRewriteOk => _lastRewriteOk;
    internal long Rewrites => _rewrites;
    internal long RewriteFailures => _rewriteFailures;
    internal long RdbSaves => _rdbSaves;
    internal long ChangesSinceLastSave => Math.Max(0, _store.Revision - _lastSaveRevision);
    internal long LoadedKeys => _loadedKeys;
    internal long LoadedExpired => _loadedExpired;
    internal long AofBaseSize => _aofBaseSize;
    internal string? AofWriteError => Journal?.LastWriteError ?? (_config.AppendOnly ? _aofOpenError : null);
    internal long AofBufferLength => Journal?.BufferedBytes ?? 0;
    internal (long Processed, long Total) SaveProgress
    {
        get
        {
            var job = _snapshot;
            return job == null ? (0, 0) : (job.KeysWritten, job.KeysTotal);
        }
    }

    // ================================================================== observer

    /// <summary>
    /// Hooks the store: the snapshot's copy-on-write, and removals that no command performed.
    /// Lazy expiry inside a write command is not logged: the command is, and replaying it with
    /// the same clock expires the same keys.
    /// </summary>
    private sealed class Observer(PersistenceManager owner) : IChangeObserver
    {
        public void OnChanging(Database db, KvsEntry entry, WriteContext ctx) => owner._snapshot?.OnChanging(db, entry);

        public void OnChanged(Database db, KvsEntry entry, ChangeKind kind, WriteContext ctx)
        {
            if (kind is not (ChangeKind.Expired or ChangeKind.Evicted)) return;
            var journal = owner.Journal;
            if (journal == null) return;
            if (kind == ChangeKind.Expired && journal.CommandDepth > 0) return;
            journal.AppendDelete(db.Index, owner._store.Now, entry.Revision - 1,
                kind == ChangeKind.Evicted ? LogRecords.ReasonEvicted : LogRecords.ReasonExpired, entry.Key);
        }

        public void OnFlushed(Database db, WriteContext ctx) { }

        public void OnSwapped(Database a, Database b, WriteContext ctx) { }
    }
}
