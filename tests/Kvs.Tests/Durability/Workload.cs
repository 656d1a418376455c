using System.Diagnostics;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Durability;

/// <summary>
/// Clients that write as fast as the server acknowledges, each on its own keys, one request in
/// flight at a time, and remember exactly what was acknowledged: key j of writer w gets the
/// values 1, 2, 3... through KVS.SET (so value n must be at version n), with a tag, an author
/// (BY) and, for every fourth key, a TTL. After a crash and restart <see cref="Verify"/> checks
/// that every acknowledged write is there — the value is the last acknowledged one, or the one
/// that was in flight — with the matching version, TTL, tags and history.
/// </summary>
public sealed class Workload
{
    public sealed class Writer
    {
        public readonly int Id;
        public readonly long[] Acked;
        public readonly long[] Sent;
        public readonly long[] AckedAtTicks;
        public long MaxRevisionSeen;
        public long Writes;
        public Exception? Failure;

        public Writer(int id, int keys)
        {
            Id = id;
            Acked = new long[keys];
            Sent = new long[keys];
            AckedAtTicks = new long[keys];
        }

        public string Key(int j) => $"w{Id}:k{j}";
    }

    private readonly Writer[] _writers;

    public Workload(int writers, int keysPerWriter)
    {
        _writers = new Writer[writers];
        for (int i = 0; i < writers; i++) _writers[i] = new Writer(i, keysPerWriter);
    }

    public IReadOnlyList<Writer> Writers => _writers;

    public long TotalWrites
    {
        get
        {
            long n = 0;
            foreach (var w in _writers) n += Interlocked.Read(ref w.Writes);
            return n;
        }
    }

    public long MaxRevisionSeen
    {
        get
        {
            long max = 0;
            foreach (var w in _writers) max = Math.Max(max, Interlocked.Read(ref w.MaxRevisionSeen));
            return max;
        }
    }

    /// <summary>Runs the writers against <paramref name="port"/> until the server dies or <paramref name="stop"/> is set.</summary>
    public Task[] Start(int port, CancellationToken stop)
    {
        var tasks = new Task[_writers.Length];
        for (int i = 0; i < _writers.Length; i++)
        {
            var w = _writers[i];
            tasks[i] = Task.Factory.StartNew(() => Run(w, port, stop), TaskCreationOptions.LongRunning);
        }
        return tasks;
    }

    private static void Run(Writer w, int port, CancellationToken stop)
    {
        RespClient client;
        try
        {
            client = RespClient.Connect(port);
        }
        catch (Exception ex)
        {
            w.Failure = ex;
            return;
        }
        using (client)
        {
            int j = 0;
            long op = 0;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    j = (j + 1) % w.Acked.Length;
                    long n = w.Sent[j] + 1;
                    w.Sent[j] = n;
                    var reply = j % 4 == 0
                        ? client.Call("KVS.SET", w.Key(j), n.ToString(), "EX", "1000", "TAG", $"t{w.Id}", "BY", $"w{w.Id}")
                        : client.Call("KVS.SET", w.Key(j), n.ToString(), "TAG", $"t{w.Id}", "BY", $"w{w.Id}");
                    if (reply.Type != ':' || reply.Integer != n)
                        throw new InvalidOperationException($"KVS.SET {w.Key(j)} {n} replied {reply}");
                    w.Acked[j] = n;
                    w.AckedAtTicks[j] = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref w.Writes);
                    if (++op % 16 == 0)
                    {
                        var meta = client.Call("KVS.META", w.Key(j));
                        long revision = MetaField(meta, "revision");
                        if (revision > w.MaxRevisionSeen) Interlocked.Exchange(ref w.MaxRevisionSeen, revision);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or EndOfStreamException or System.Net.Sockets.SocketException)
            {
                // The server was killed: the write in flight may or may not have made it.
            }
            catch (Exception ex)
            {
                w.Failure = ex;
            }
        }
    }

    public static long MetaField(RespValue meta, string name)
    {
        for (int i = 0; i + 1 < meta.Count; i += 2)
            if (meta[i].Text == name) return meta[i + 1].Integer;
        throw new InvalidOperationException($"no {name} in {meta}");
    }

    /// <summary>
    /// Checks every key against what was acknowledged, then makes the workload continue from
    /// what the server has (the write in flight may have landed). With
    /// <paramref name="lossWindowTicks"/> &gt; 0 (everysec), acknowledged writes younger than
    /// that before <paramref name="killedAtTicks"/> may be missing; returns how many were.
    /// </summary>
    public int Verify(RespClient client, long killedAtTicks = 0, long lossWindowTicks = 0)
    {
        int lost = 0;
        foreach (var w in _writers)
        {
            Assert.Null(w.Failure);
            for (int j = 0; j < w.Acked.Length; j++)
            {
                string key = w.Key(j);
                var value = client.Call("GET", key);
                long have = value.IsNull ? 0 : long.Parse(value.Text!);
                long acked = w.Acked[j];
                bool inFlight = w.Sent[j] == acked + 1 && have == acked + 1;
                if (have != acked && !inFlight)
                {
                    bool tolerated = lossWindowTicks > 0 && have < acked && killedAtTicks - w.AckedAtTicks[j] < lossWindowTicks;
                    Assert.True(tolerated, $"{key}: acknowledged value {acked} (sent {w.Sent[j]}), found {(value.IsNull ? "nil" : have.ToString())}");
                    lost++;
                }
                if (have > 0)
                {
                    var meta = client.Call("KVS.META", key);
                    Assert.Equal(have, MetaField(meta, "version"));
                    var tags = client.Call("KVS.TAGS", key);
                    Assert.Contains(tags.Items!, t => t.Text == $"t{w.Id}");
                    if (j % 4 == 0)
                    {
                        long ttl = client.Call("TTL", key).Integer;
                        Assert.InRange(ttl, 1, 1000);
                    }
                    var history = client.Call("KVS.HISTORY", key);
                    Assert.Equal((int)Math.Min(have, 16), history.Count);
                    for (int h = 0; h < history.Count; h++)
                    {
                        Assert.Equal(have - h, MetaField(history[h], "version"));
                        Assert.Equal($"w{w.Id}", TextField(history[h], "modified_by"));
                    }
                }
                w.Acked[j] = have;
                w.Sent[j] = have;
            }
        }
        return lost;
    }

    public static string? TextField(RespValue map, string name)
    {
        for (int i = 0; i + 1 < map.Count; i += 2)
            if (map[i].Text == name) return map[i + 1].Text;
        return null;
    }
}
