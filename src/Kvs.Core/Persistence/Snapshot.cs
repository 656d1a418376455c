using System.Diagnostics;
using Kvs.Core.Storage;

namespace Kvs.Core.Persistence;

/// <summary>
/// A background snapshot without fork: an image of the whole keyspace as of revision T, written
/// while clients keep changing it (BGSAVE, AOF rewrite).
/// <para>
/// Entry-level copy-on-write: at start (under the lock) it records T and the key table and
/// topic index of every database. The walker then visits those indexes in key order, in slices
/// of at most a millisecond under the lock, resuming after the last key visited; before
/// any entry is changed or removed the store calls <see cref="OnChanging"/>, which writes the
/// entry's pre-change state if it was not written yet. An entry is written at most once
/// (<see cref="KvsEntry.SnapshotMark"/> = this job's generation), and entries whose revision is
/// above T were either created after T or already written by the hook, so the walker skips them.
/// FLUSHDB replaces a database's table and index, and the walker keeps walking the old ones,
/// which nobody changes any more; SWAPDB moves them, and the job maps each table to its database
/// as of T.
/// </para>
/// <para>
/// Records are encoded into a buffer under the lock (a copy); sealing and writing happen outside it.
/// </para>
/// </summary>
internal sealed class SnapshotJob
{
    private const int ChunkBytes = 4 * 1024 * 1024;

    private readonly KvsStore _store;
    private readonly int _tagSize;
    private DataFileWriter? _file;
    private readonly ushort _generation;
    private readonly KeyTable[] _tables;
    private readonly Indexing.OrderedKeyIndex[] _orders;
    private int _walkDb;
    private byte[]? _walkAfter;
    private RecordBuffer _buffer = new(1 << 20);
    private RecordBuffer _spare = new(1 << 20);

    /// <summary>
    /// Starts a job at the current revision; call under the store lock. <paramref name="tagSize"/>
    /// is the GCM tag size of the file it will write (16 when encrypting, else 0); the file
    /// itself is attached later (<see cref="AttachFile"/>), outside the lock.
    /// </summary>
    public SnapshotJob(KvsStore store, int tagSize, ushort generation)
    {
        _store = store;
        _tagSize = tagSize;
        _generation = generation;
        Revision = store.Revision;
        _tables = new KeyTable[store.DatabaseCount];
        _orders = new Indexing.OrderedKeyIndex[store.DatabaseCount];
        for (int i = 0; i < _tables.Length; i++)
        {
            var db = store.GetDatabase(i);
            _tables[i] = db.Keys;
            _orders[i] = db.ByTopic;
            KeysTotal += db.Count;
        }
    }

    /// <summary>T: the revision this snapshot is an image of.</summary>
    public long Revision { get; }
    public long KeysTotal { get; }
    public long KeysWritten { get; private set; }
    public void AttachFile(DataFileWriter file)
    {
        if (file.TagSize != _tagSize) throw new InvalidOperationException("the file's encryption does not match the job's");
        _file = file;
    }

    /// <summary>The copy-on-write hook (under the lock): writes the entry as of T before it changes.</summary>
    public void OnChanging(Database db, KvsEntry e)
    {
        if (e.Revision > Revision || e.SnapshotMark == _generation) return;
        var table = db.Keys;
        for (int i = 0; i < _tables.Length; i++)
        {
            if (ReferenceEquals(_tables[i], table))
            {
                WriteEntry(i, e);
                return;
            }
        }
    }

    private void WriteEntry(int db, KvsEntry e)
    {
        e.SnapshotMark = _generation;
        int start = Frames.Begin(_buffer);
        EntryCodec.Write(_buffer, db, e, _store.Hashing);
        Frames.End(_buffer, start, _tagSize);
        KeysWritten++;
    }

    /// <summary>
    /// Walks for at most <paramref name="budgetTicks"/> (under the lock); true when every
    /// database was walked. The walk follows each database's topic-ordered index, resuming after
    /// the last key it visited: inserts and removals between slices never make it skip a key
    /// that was there all along, and the file comes out in key order, so that loading it appends
    /// to that index instead of inserting at random places.
    /// </summary>
    public bool WalkSlice(long budgetTicks)
    {
        long start = Stopwatch.GetTimestamp();
        int visited = 0;
        while (_walkDb < _orders.Length)
        {
            foreach (var e in _orders[_walkDb].From(_walkAfter, null))
            {
                _walkAfter = e.Key;
                if (e.Revision <= Revision && e.SnapshotMark != _generation) WriteEntry(_walkDb, e);
                if ((++visited & 31) == 0 && (Stopwatch.GetTimestamp() - start > budgetTicks || _buffer.Length > ChunkBytes)) return false;
            }
            _walkDb++;
            _walkAfter = null;
        }
        return true;
    }

    /// <summary>Takes the encoded records (under the lock) for <see cref="WriteChunk"/> outside it.</summary>
    public RecordBuffer TakeChunk()
    {
        var chunk = _buffer;
        _buffer = _spare;
        _spare = null!;
        return chunk;
    }

    /// <summary>Seals and writes a chunk (outside the lock), then keeps its buffer for reuse.</summary>
    public void WriteChunk(RecordBuffer chunk)
    {
        if (chunk.Length > 0)
        {
            var file = _file ?? throw new InvalidOperationException("no file attached");
            file.SealFrames(chunk.Data, 0, chunk.Length);
            file.Write(chunk.WrittenSpan);
        }
        chunk.Clear();
        chunk.ShrinkTo(1 << 20);
        _spare = chunk;
    }

    /// <summary>Writes the end marker and makes the file durable.</summary>
    public void Finish()
    {
        var file = _file ?? throw new InvalidOperationException("no file attached");
        var end = new RecordBuffer(64);
        int start = Frames.Begin(end);
        EntryCodec.WriteEnd(end, KeysWritten, Revision);
        Frames.End(end, start, _tagSize);
        file.SealFrames(end.Data, 0, end.Length);
        file.Write(end.WrittenSpan);
        file.Sync();
    }
}

/// <summary>Writing a whole snapshot at once (SAVE, shutdown, start-up base) and loading one.</summary>
internal static class SnapshotFile
{
    private const int ChunkBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Writes every key to <paramref name="file"/> and fsyncs it; the caller holds the store lock
    /// for the whole time (SAVE blocks the server, as in Redis). Returns the number of keys.
    /// </summary>
    public static long WriteAll(KvsStore store, DataFileWriter file)
    {
        var buffer = new RecordBuffer(1 << 20);
        long count = 0;
        for (int d = 0; d < store.DatabaseCount; d++)
        {
            foreach (var e in store.GetDatabase(d).ByTopic.From(null, null))
            {
                int start = Frames.Begin(buffer);
                EntryCodec.Write(buffer, d, e, store.Hashing);
                Frames.End(buffer, start, file.TagSize);
                count++;
                if (buffer.Length >= ChunkBytes) Flush(file, buffer);
            }
        }
        int end = Frames.Begin(buffer);
        EntryCodec.WriteEnd(buffer, count, store.Revision);
        Frames.End(buffer, end, file.TagSize);
        Flush(file, buffer);
        file.Sync();
        return count;
    }

    private static void Flush(DataFileWriter file, RecordBuffer buffer)
    {
        file.SealFrames(buffer.Data, 0, buffer.Length);
        file.Write(buffer.WrittenSpan);
        buffer.Clear();
    }

    /// <summary>
    /// Loads a snapshot into the store (under the lock, before clients): every entry as it was,
    /// then the revision counter. Any damage refuses the file with its name and offset — a
    /// snapshot is written and fsynced before anything refers to it, so it is never legitimately torn.
    /// <para>
    /// Two stages in parallel: a reader thread verifies, decrypts and decodes records into
    /// batches of entries while the calling thread inserts them into the store, so a restart
    /// costs about the larger of the two instead of their sum.
    /// </para>
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static (long Keys, long Expired, bool Encrypted) Load(KvsStore store, string path, EncryptionKey? key)
    {
        using var reader = DataFileReader.Open(path, key);
        if (reader.Header.Kind != DataFileKind.Snapshot)
            throw new PersistenceException($"'{path}' is not a snapshot file");
        var decoder = new SnapshotDecoder(reader, path, store.DatabaseCount, store.Config.KvsHistoryDepth - 1);
        var thread = new Thread(decoder.Run) { IsBackground = true, Name = "kvs-snapshot-decoder" };
        thread.Start();
        long keys = 0, expired = 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        try
        {
            foreach (var batch in decoder.Batches.GetConsumingEnumerable())
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    var e = batch.Entries[i];
                    store.LoadEntry(store.GetDatabase(batch.Databases[i]), e);
                    if (e.ExpiresAt != 0 && e.ExpiresAt <= now) expired++;
                }
                keys += batch.Count;
            }
        }
        finally
        {
            decoder.Stop();
            thread.Join();
        }
        if (decoder.Error != null) throw decoder.Error;
        store.RestoreRevision(Math.Max(store.Revision, decoder.Revision));
        return (keys, expired, reader.Header.Encrypted);
    }

    private sealed class Batch(int capacity)
    {
        public readonly KvsEntry[] Entries = new KvsEntry[capacity];
        public readonly int[] Databases = new int[capacity];
        public int Count;
    }

    /// <summary>The reader stage of <see cref="Load"/>.</summary>
    private sealed class SnapshotDecoder(DataFileReader reader, string path, int databases, int historyCapacity)
    {
        private const int BatchSize = 4096;
        private volatile bool _stopped;

        public readonly System.Collections.Concurrent.BlockingCollection<Batch> Batches = new(boundedCapacity: 8);
        public PersistenceException? Error;
        public long Revision;

        public void Stop()
        {
            _stopped = true;
            // Unblock a producer waiting for room.
            while (Batches.TryTake(out _)) { }
        }

[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Run()
        {
            var strings = new StringCache();
            long keys = 0;
            bool ended = false;
            var batch = new Batch(BatchSize);
            try
            {
                while (!_stopped)
                {
                    var status = reader.Next(out var body);
                    if (status == RecordStatus.End) break;
                    if (status != RecordStatus.Record)
                        throw new PersistenceException($"Bad file format reading the snapshot '{path}' at offset {reader.RecordOffset}: {reader.Problem}");
                    if (ended)
                        throw new PersistenceException($"Bad file format reading the snapshot '{path}' at offset {reader.RecordOffset}: data after the end marker");
                    try
                    {
                        var r = new RecordReader(body);
                        if (body[0] == EntryCodec.EndRecord)
                        {
                            r.ReadByte();
                            long count = r.ReadVarintLong();
                            if (count != keys) throw new FormatException($"end marker counts {count} keys, the file holds {keys}");
                            Revision = r.ReadVarintLong();
                            ended = true;
                            continue;
                        }
                        var e = EntryCodec.Read(ref r, out int db, historyCapacity, strings);
                        if (db >= databases)
                            throw new PersistenceException($"The snapshot '{path}' has keys in database {db}, but 'databases' is {databases}");
                        batch.Entries[batch.Count] = e;
                        batch.Databases[batch.Count] = db;
                        keys++;
                        if (++batch.Count == BatchSize)
                        {
                            Batches.Add(batch);
                            batch = new Batch(BatchSize);
                        }
                    }
                    catch (FormatException ex)
                    {
                        throw new PersistenceException($"Bad file format reading the snapshot '{path}' at offset {reader.RecordOffset}: {ex.Message}");
                    }
                }
                if (!_stopped && !ended)
                    throw new PersistenceException($"Bad file format reading the snapshot '{path}' at offset {reader.NextOffset}: the file ends before its end marker (incomplete snapshot)");
                if (batch.Count > 0) Batches.Add(batch);
            }
            catch (PersistenceException ex)
            {
                Error = ex;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Error = new PersistenceException($"Can't read the snapshot '{path}': {IoErrors.Describe(ex)}");
            }
            finally
            {
                Batches.CompleteAdding();
            }
        }
    }
}
