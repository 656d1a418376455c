using System.Collections.Concurrent;
using System.Diagnostics;
using Kvs.Core.Config;
using Microsoft.Extensions.Logging;

namespace Kvs.Core.Persistence;

/// <summary>
/// The append-only log of one server: records are appended to an in-memory buffer under the
/// store lock (a copy, nothing else), and a dedicated flusher thread seals them (CRC, encryption),
/// writes them to the current increment file and fsyncs according to <c>appendfsync</c>.
/// <para>
/// Positions: every appended byte has a logical position; the flusher completes an "epoch" (a
/// task per buffer it took) once that buffer's records are written — and, under
/// <c>appendfsync always</c>, fsynced. A session under <c>always</c> awaits the epoch of the
/// newest data before flushing its replies (<see cref="PendingDurability"/>), so many clients
/// share one fsync (group commit) and no reply reveals data that a crash could lose.
/// </para>
/// <para>
/// <c>everysec</c> / <c>no</c>: the flusher writes promptly (coalescing about a millisecond of
/// appends per write), so a killed process loses nothing the OS had; <c>everysec</c> fsyncs once a
/// second, <c>no</c> leaves it to the OS. Write errors (disk full, read-only file system) put the
/// log in an error state that <see cref="LastWriteError"/> exposes (writes are refused with
/// MISCONF); the flusher retries every second and clears it when the disk works again.
/// </para>
/// </summary>
public sealed class AppendOnlyLog : IDisposable
{
    private sealed class Epoch
    {
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        /// <summary>Session batches waiting for this epoch (under the lock).</summary>
        public int Waiters;
    }

    private sealed class Segment(RecordBuffer buffer, DataFileWriter file, Epoch epoch, long end)
    {
        public readonly RecordBuffer Buffer = buffer;
        public readonly DataFileWriter File = file;
        public readonly Epoch Epoch = epoch;
        public readonly long EndPosition = end;
        public bool Sealed;
    }

    private const int BufferCapacity = 64 * 1024;
    private const int MaxPooledCapacity = 4 * 1024 * 1024;

    private readonly object _sync;
    private readonly ServerConfig _config;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _gathered = new(0);
    private readonly ConcurrentQueue<RecordBuffer> _pool = new();

    // ---- under the store lock
    private RecordBuffer _active = new(BufferCapacity);
    private long _activeBase;
    private Epoch _activeEpoch = new();
    private Epoch _lastSealedEpoch;
    private DataFileWriter _target;
    private readonly List<Segment> _sealed = new();
    private bool _wakePending;
    private bool _stopping;
    /// <summary>Group commit: waiting batches the flusher expects before it seals (see <see cref="Gather"/>).</summary>
    private int _gatherTarget;
    private bool _gathering;
    private string? _cachedAuthor;
    private byte[] _cachedAuthorBytes = Array.Empty<byte>();

    // ---- written by the flusher
    private long _completedPosition;
    private long _writtenPosition;
    private volatile string? _writeError;
    private long _writeErrorSince;
    private long _writeErrorAt;

    public AppendOnlyLog(object storeLock, ServerConfig config, ILogger logger, DataFileWriter file)
    {
        _sync = storeLock;
        _config = config;
        _logger = logger;
        _target = file;
        _lastSealedEpoch = new Epoch();
        _lastSealedEpoch.Done.SetResult();
        _thread = new Thread(Run) { IsBackground = true, Name = "kvs-aof-flusher" };
        _thread.Start();
    }

    /// <summary>Write commands being executed right now (nesting depth); internal expiries inside them are not logged.</summary>
    public int CommandDepth;

    /// <summary>The increment file new records go to (under the lock).</summary>
    public DataFileWriter CurrentFile => _target;

    /// <summary>Logical position after the newest appended byte (under the lock).</summary>
    public long AppendedPosition => _activeBase + _active.Length;

    /// <summary>Bytes appended but not yet written to the file (INFO aof_buffer_length).</summary>
    public long BufferedBytes => Math.Max(0, AppendedPosition - Volatile.Read(ref _writtenPosition));

    /// <summary>The OS error text of the failing write (INFO aof_last_write_status: err), or null when writes succeed.</summary>
    public string? LastWriteError => _writeError;

    private int TagSize => _target.TagSize;

    // ------------------------------------------------------------------ appending (under the store lock)

    /// <summary>Starts a command record (<paramref name="op"/>: the history op when it is not the command's own name, for rewritten commands); add its <paramref name="argc"/> arguments with <see cref="AddArg"/>, then <see cref="EndRecord"/>.</summary>
    public long BeginCommand(int db, long clock, long revisionBefore, string? modifiedBy, string? comment, string? op, int argc)
    {
        var b = _active;
        int start = Frames.Begin(b);
        b.WriteByte(LogRecords.Command);
        b.WriteVarint((ulong)db);
        b.WriteInt64(clock);
        b.WriteVarint(revisionBefore);
        if (modifiedBy == null) b.WriteByte(0);
        else
        {
            if (!ReferenceEquals(modifiedBy, _cachedAuthor))
            {
                _cachedAuthor = modifiedBy;
                _cachedAuthorBytes = System.Text.Encoding.UTF8.GetBytes(modifiedBy);
            }
            b.WriteNullableBytes(_cachedAuthorBytes, false);
        }
        b.WriteString(comment);
        b.WriteString(op);
        b.WriteVarint((ulong)argc);
        return _activeBase + start;
    }

    public void AddArg(ReadOnlySpan<byte> arg) => _active.WriteBytes(arg);

    /// <summary>Closes the record started at <paramref name="start"/>; returns the position after it.</summary>
    public long EndRecord(long start)
    {
        Frames.End(_active, (int)(start - _activeBase), TagSize);
        Signal();
        return AppendedPosition;
    }

    /// <summary>
    /// Removes the record at [<paramref name="start"/>, <paramref name="end"/>) if it is still the
    /// newest one in memory (a write command that changed nothing); false otherwise.
    /// </summary>
    public bool TryRemoveLast(long start, long end)
    {
        if (start < _activeBase || end != AppendedPosition) return false;
        _active.Truncate((int)(start - _activeBase));
        return true;
    }

    /// <summary>Turns a record still in memory into a Skip record (it is then ignored by replay).</summary>
    public bool TryVoid(long start)
    {
        if (start < _activeBase) return false;
        _active.Data[(int)(start - _activeBase) + Frames.HeaderSize] = LogRecords.Skip;
        return true;
    }

    /// <summary>Logs a removal that no command performed (active or lazy expiry, eviction).</summary>
    public void AppendDelete(int db, long clock, long revisionBefore, byte reason, ReadOnlySpan<byte> key)
    {
        var b = _active;
        int start = Frames.Begin(b);
        b.WriteByte(LogRecords.Delete);
        b.WriteVarint((ulong)db);
        b.WriteInt64(clock);
        b.WriteVarint(revisionBefore);
        b.WriteByte(reason);
        b.WriteBytes(key);
        Frames.End(b, start, TagSize);
        Signal();
    }

    /// <summary>Logs a CONFIG SET of an option that shapes stored data, so replay applies it at the same point.</summary>
    public void AppendConfig(string option, string value)
    {
        var b = _active;
        int start = Frames.Begin(b);
        b.WriteByte(LogRecords.Config);
        b.WriteString(option);
        b.WriteString(value);
        Frames.End(b, start, TagSize);
        Signal();
    }

    /// <summary>
    /// Under <c>appendfsync always</c>, a task that completes when everything appended so far is
    /// on disk, or null when it already is (or the policy is not <c>always</c>). Under the lock.
    /// </summary>
    public Task? PendingDurability()
    {
        if (_config.AppendFsync != "always") return null;
        if (AppendedPosition <= Volatile.Read(ref _completedPosition)) return null;
        var epoch = _active.Length > 0 ? _activeEpoch : _lastSealedEpoch;
        epoch.Waiters++;
        if (_gathering && ReferenceEquals(epoch, _activeEpoch) && epoch.Waiters >= _gatherTarget)
        {
            _gathering = false;
            _gathered.Release();
        }
        return epoch.Done.Task;
    }

    /// <summary>
    /// Group commit under <c>always</c>: before sealing, wait (at most a millisecond) until as
    /// many session batches wait for the open group as were in flight when the previous group
    /// completed — the clients it released come back with their next commands — so that one
    /// fsync serves them all instead of the first few. A lone client is never delayed: the
    /// target is then 1, met by its own next batch.
    /// </summary>
    private void Gather(int inFlight)
    {
        lock (_sync)
        {
            if (_activeEpoch.Waiters >= inFlight || _stopping) return;
            _gatherTarget = inFlight;
            _gathering = true;
        }
        _gathered.Wait(1);
        lock (_sync)
        {
            _gathering = false;
            while (_gathered.CurrentCount > 0) _gathered.Wait(0);
        }
    }

    /// <summary>
    /// Sends everything appended from now on to <paramref name="next"/> (AOF rewrite: the switch
    /// happens at the revision the new base is an image of). Under the lock.
    /// </summary>
    public void RotateTo(DataFileWriter next)
    {
        SealActiveLocked();
        _target = next;
    }

    private void Signal()
    {
        if (_wakePending) return;
        _wakePending = true;
        _wake.Release();
    }

    private void SealActiveLocked()
    {
        if (_active.Length == 0) return;
        long end = AppendedPosition;
        var segment = new Segment(_active, _target, _activeEpoch, end);
        _sealed.Add(segment);
        _lastSealedEpoch = _activeEpoch;
        _activeBase = end;
        _active = _pool.TryDequeue(out var pooled) ? pooled : new RecordBuffer(BufferCapacity);
        _activeEpoch = new Epoch();
    }

    // ------------------------------------------------------------------ flusher thread

    private void Run()
    {
        var pending = new List<Segment>();
        var written = new List<Segment>();
        DataFileWriter? current = null;
        bool unsynced = false;
        bool backoff = false;
        long lastSync = Stopwatch.GetTimestamp();
        long lastWrite = 0;
        long stopDeadline = 0;
        while (true)
        {
            string policy = _config.AppendFsync;
            bool always = policy == "always";
            bool everysec = policy == "everysec";
            int timeout = 1000;
            if (!backoff && unsynced && everysec)
                timeout = (int)Math.Clamp(1000 - Stopwatch.GetElapsedTime(lastSync).TotalMilliseconds, 1, 1000);
            _wake.Wait(timeout);
            if (backoff)
            {
                // After a failed write, retry about once a second whatever arrives meanwhile.
                int wait = 1000 - (int)Stopwatch.GetElapsedTime(_writeErrorAt).TotalMilliseconds;
                if (wait > 0 && !Volatile.Read(ref _stopping)) _wake.Wait(wait);
            }
            if (always && !backoff && _lastReleased > 1) Gather(_lastReleased + _waitingAtCompletion);
            if (!always && !backoff)
            {
                // Coalesce about a millisecond of appends per write(2) so the flusher does not
                // compete with the command threads for the CPU at one syscall per batch.
                double sinceWrite = Stopwatch.GetElapsedTime(lastWrite).TotalMilliseconds;
                if (sinceWrite < 1) Thread.Sleep(1);
            }
            bool stopping;
            lock (_sync)
            {
                _wakePending = false;
                SealActiveLocked();
                if (_sealed.Count > 0)
                {
                    pending.AddRange(_sealed);
                    _sealed.Clear();
                }
                stopping = _stopping;
            }
            if (stopping && stopDeadline == 0) stopDeadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
            try
            {
                int done = 0;
                try
                {
                    foreach (var segment in pending)
                    {
                        if (!ReferenceEquals(segment.File, current))
                        {
                            if (current != null)
                            {
                                if (unsynced) current.Sync();
                                unsynced = false;
                                current.Dispose();
                            }
                            current = segment.File;
                        }
                        if (!segment.Sealed)
                        {
                            current.SealFrames(segment.Buffer.Data, 0, segment.Buffer.Length);
                            segment.Sealed = true;
                        }
                        current.Write(segment.Buffer.WrittenSpan);
                        unsynced = true;
                        lastWrite = Stopwatch.GetTimestamp();
                        Volatile.Write(ref _writtenPosition, segment.EndPosition);
                        written.Add(segment);
                        done++;
                    }
                }
                finally
                {
                    pending.RemoveRange(0, done);
                }
                bool syncDue = always || stopping || (everysec && Stopwatch.GetElapsedTime(lastSync).TotalMilliseconds >= 1000);
                if (unsynced && current != null && syncDue)
                {
                    current.Sync();
                    unsynced = false;
                    lastSync = Stopwatch.GetTimestamp();
                }
                if (!always || !unsynced) CompleteWritten(written);
                if (_writeError != null)
                {
                    _writeError = null;
                    _logger.LogWarning("AOF write error looks solved, Kvs can write again.");
                }
                backoff = false;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                string text = IoErrors.Describe(ex);
                long now = Stopwatch.GetTimestamp();
                if (_writeError == null || Stopwatch.GetElapsedTime(_writeErrorSince, now).TotalSeconds >= 10)
                {
                    _logger.LogError("Error writing to the AOF file {File}: {Error}. Write commands are refused (MISCONF) until it works again.", current?.Path ?? _target.Path, text);
                    _writeErrorSince = now;
                }
                _writeError = text;
                _writeErrorAt = now;
                backoff = true;
            }
            if (stopping && pending.Count == 0 && written.Count == 0 && !unsynced) break;
            if (stopping && backoff && Stopwatch.GetTimestamp() > stopDeadline)
            {
                _logger.LogError("Giving up writing the AOF at shutdown: {Error}", _writeError);
                break;
            }
        }
        current?.Dispose();
    }

    /// <summary>Batches released by the last completed groups, and those already waiting for the next (flusher thread).</summary>
    private int _lastReleased;
    private int _waitingAtCompletion;

    private void CompleteWritten(List<Segment> written)
    {
        int released = 0;
        foreach (var segment in written) released += segment.Epoch.Waiters;
        _lastReleased = released;
        lock (_sync) _waitingAtCompletion = _activeEpoch.Waiters;
        foreach (var segment in written)
        {
            Volatile.Write(ref _completedPosition, segment.EndPosition);
            segment.Epoch.Done.TrySetResult();
            var buffer = segment.Buffer;
            buffer.Clear();
            buffer.ShrinkTo(BufferCapacity);
            if (buffer.Capacity <= MaxPooledCapacity && _pool.Count < 8) _pool.Enqueue(buffer);
        }
        written.Clear();
    }

    /// <summary>Writes and fsyncs everything appended, then stops the flusher (appendonly no, shutdown).</summary>
    public void Stop(TimeSpan timeout)
    {
        lock (_sync)
        {
            _stopping = true;
            _wakePending = true;
        }
        _wake.Release();
        _thread.Join(timeout);
    }

    public void Dispose()
    {
        if (_thread.IsAlive) Stop(TimeSpan.FromSeconds(10));
        _wake.Dispose();
        _gathered.Dispose();
    }
}
