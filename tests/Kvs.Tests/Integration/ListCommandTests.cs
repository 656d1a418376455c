using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// List commands over a real socket: behaviour on large lists (the circular buffer wrapping,
/// growing and shrinking, checked against an in-test model), metadata version bumps for every
/// write and none for no-op writes, deep COPY, data_hash, and interplay with the keyspace commands.
/// Byte-exact replies and errors are covered by Differential/Scripts/40-lists.redis.
/// </summary>
public sealed class ListCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string Key(string name) => $"l{Guid.NewGuid():N}:{name}";

    private static Dictionary<string, RespValue> Map(RespValue reply)
    {
        var map = new Dictionary<string, RespValue>();
        for (int i = 0; i + 1 < reply.Count; i += 2) map[reply[i].Text!] = reply[i + 1];
        return map;
    }

    private static long Version(RespClient c, string key) => Map(c.Call("KVS.META", key))["version"].Integer;

    private static List<string> Range(RespClient c, string key)
    {
        var reply = c.Call("LRANGE", key, "0", "-1");
        var list = new List<string>();
        foreach (var item in reply.Items!) list.Add(item.Text!);
        return list;
    }

    [Fact]
    public void RandomOperationsMatchAModelAcrossWrapAroundGrowthAndShrinking()
    {
        using var c = fixture.Connect();
        var key = Key("model");
        var model = new List<string>();
        var random = new Random(42);
        for (int step = 0; step < 3000; step++)
        {
            int op = random.Next(12);
            string v = "v" + random.Next(20);
            switch (op)
            {
                case 0:
                case 1:
                    // Bursts keep the list large enough to exercise growth and shrinking.
                    int n = random.Next(1, 40);
                    var args = new List<object> { op == 0 ? "LPUSH" : "RPUSH", key };
                    for (int i = 0; i < n; i++)
                    {
                        string e = "v" + random.Next(20);
                        args.Add(e);
                        if (op == 0) model.Insert(0, e);
                        else model.Add(e);
                    }
                    Assert.Equal(model.Count, c.Call(args.ToArray()).Integer);
                    break;
                case 2:
                case 3:
                {
                    int count = random.Next(0, 30);
                    var reply = c.Call(op == 2 ? "LPOP" : "RPOP", key, count);
                    if (model.Count == 0)
                    {
                        Assert.True(reply.IsNull);
                        break;
                    }
                    int taken = Math.Min(count, model.Count);
                    Assert.Equal(taken, reply.Count);
                    for (int i = 0; i < taken; i++)
                    {
                        int at = op == 2 ? 0 : model.Count - 1;
                        Assert.Equal(model[at], reply[i].Text);
                        model.RemoveAt(at);
                    }
                    break;
                }
                case 4:
                {
                    string pivot = "v" + random.Next(20);
                    bool after = random.Next(2) == 0;
                    var reply = c.Call("LINSERT", key, after ? "AFTER" : "BEFORE", pivot, v);
                    int at = model.IndexOf(pivot);
                    if (model.Count == 0) Assert.Equal(0, reply.Integer);
                    else if (at < 0) Assert.Equal(-1, reply.Integer);
                    else
                    {
                        model.Insert(after ? at + 1 : at, v);
                        Assert.Equal(model.Count, reply.Integer);
                    }
                    break;
                }
                case 5:
                {
                    int count = random.Next(-3, 4);
                    long removed = c.Call("LREM", key, count, v).Integer;
                    int expected = 0;
                    if (count >= 0)
                    {
                        for (int i = 0; i < model.Count;)
                            if (model[i] == v && (count == 0 || expected < count)) { model.RemoveAt(i); expected++; }
                            else i++;
                    }
                    else
                    {
                        for (int i = model.Count - 1; i >= 0; i--)
                            if (model[i] == v && expected < -count) { model.RemoveAt(i); expected++; }
                    }
                    Assert.Equal(expected, removed);
                    break;
                }
                case 6:
                {
                    if (model.Count == 0) break;
                    int index = random.Next(-model.Count, model.Count);
                    Assert.Equal("OK", c.Call("LSET", key, index, v).Text);
                    model[index < 0 ? index + model.Count : index] = v;
                    break;
                }
                case 7:
                {
                    // Mostly gentle trims, so the list survives them.
                    int start = random.Next(-3, 3), end = random.Next(-3, 3) + (random.Next(4) == 0 ? 0 : model.Count);
                    Assert.Equal("OK", c.Call("LTRIM", key, start, end).Text);
                    int len = model.Count;
                    int s = start < 0 ? start + len : start, e = end < 0 ? end + len : end;
                    if (s < 0) s = 0;
                    if (s > e || s >= len) model.Clear();
                    else
                    {
                        if (e >= len) e = len - 1;
                        model = model.GetRange(s, e - s + 1);
                    }
                    break;
                }
                case 8:
                {
                    int index = random.Next(-model.Count - 2, model.Count + 2);
                    var reply = c.Call("LINDEX", key, index);
                    int at = index < 0 ? index + model.Count : index;
                    if (at < 0 || at >= model.Count) Assert.True(reply.IsNull);
                    else Assert.Equal(model[at], reply.Text);
                    break;
                }
                case 9:
                {
                    bool fromHead = random.Next(2) == 0;
                    var reply = c.Call("LPOS", key, v, "RANK", fromHead ? "1" : "-1");
                    int expected = fromHead ? model.IndexOf(v) : model.LastIndexOf(v);
                    if (expected < 0) Assert.True(reply.IsNull);
                    else Assert.Equal(expected, reply.Integer);
                    break;
                }
                default:
                    Assert.Equal(model.Count, c.Call("LLEN", key).Integer);
                    break;
            }
            Assert.Equal(model.Count > 0 ? 1 : 0, c.Call("EXISTS", key).Integer);
            if (step % 50 == 0) Assert.Equal(model, Range(c, key));
        }
        Assert.Equal(model, Range(c, key));
    }

    [Fact]
    public void LargeListsKeepOrderThroughPushesFromBothEndsAndMiddleChanges()
    {
        using var c = fixture.Connect();
        var key = Key("large");
        var left = new List<object> { "LPUSH", key };
        var right = new List<object> { "RPUSH", key };
        for (int i = 0; i < 5000; i++)
        {
            left.Add("L" + i);
            right.Add("R" + i);
        }
        c.Call(left.ToArray());
        Assert.Equal(10000, c.Call(right.ToArray()).Integer);
        Assert.Equal("L4999", c.Call("LINDEX", key, "0").Text);
        Assert.Equal("L0", c.Call("LINDEX", key, "4999").Text);
        Assert.Equal("R0", c.Call("LINDEX", key, "5000").Text);
        Assert.Equal("R4999", c.Call("LINDEX", key, "-1").Text);
        Assert.Equal(10001, c.Call("LINSERT", key, "AFTER", "L0", "middle").Integer);
        Assert.Equal(5000, c.Call("LPOS", key, "middle").Integer);
        var range = c.Call("LRANGE", key, "4999", "5001");
        Assert.Equal(new[] { "L0", "middle", "R0" }, new[] { range[0].Text, range[1].Text, range[2].Text });
        Assert.Equal("OK", c.Call("LTRIM", key, "4990", "-4990").Text);
        Assert.Equal(22, c.Call("LLEN", key).Integer);
        Assert.Equal("L9", c.Call("LINDEX", key, "0").Text);
        Assert.Equal("R10", c.Call("LINDEX", key, "-1").Text);
        var popped = c.Call("RPOP", key, "100");
        Assert.Equal(22, popped.Count);
        Assert.Equal("R10", popped[0].Text);
        Assert.Equal("L9", popped[21].Text);
        Assert.Equal(0, c.Call("EXISTS", key).Integer);
    }

    [Fact]
    public void BinaryElementsRoundTrip()
    {
        using var c = fixture.Connect();
        var key = Key("bin");
        var element = new byte[] { 0, 255, 13, 10, 36, 42 };
        Assert.Equal(2, c.Call("RPUSH", key, element, Array.Empty<byte>()).Integer);
        Assert.Equal(element, c.Call("LPOP", key).Bytes);
        Assert.Equal(Array.Empty<byte>(), c.Call("LINDEX", key, "0").Bytes);
        Assert.Equal(0, c.Call("LPOS", key, Array.Empty<byte>()).Integer);
    }

    [Fact]
    public void EveryWriteBumpsTheVersionOnce()
    {
        using var c = fixture.Connect();
        var k = Key("v");
        var other = Key("other");
        c.Call("RPUSH", k, "a", "b", "c", "d", "e", "f", "g", "h");
        Assert.Equal(1, Version(c, k));
        void Step(long expected, params object[] command)
        {
            c.Call(command);
            Assert.Equal(expected, Version(c, k));
        }
        Step(2, "LPUSH", k, "x", "y");
        Step(3, "RPUSHX", k, "z");
        Step(4, "LPUSHX", k, "w");
        Step(5, "LPOP", k);
        Step(6, "RPOP", k, "2");
        Step(7, "LSET", k, "0", "same");
        Step(8, "LSET", k, "0", "same");
        Step(9, "LINSERT", k, "BEFORE", "a", "n");
        Step(10, "LREM", k, "0", "n");
        Step(11, "LTRIM", k, "1", "-1");
        Step(12, "LMOVE", k, k, "LEFT", "RIGHT");
        Step(13, "RPOPLPUSH", k, other);
        Step(14, "LMPOP", "1", k, "LEFT", "COUNT", "2");
        Step(15, "BLPOP", k, "0");
        Step(16, "BRPOP", k, "0");
        Step(17, "BLMOVE", k, other, "LEFT", "LEFT", "0");
        Assert.Equal(2, Version(c, other));
        var meta = Map(c.Call("KVS.META", k));
        Assert.Equal("list", meta["type"].Text);
        var history = c.Call("KVS.HISTORY", k, "COUNT", "3");
        Assert.Equal("blmove", Map(history[0])["op"].Text);
        Assert.Equal("brpop", Map(history[1])["op"].Text);
        Assert.Equal("blpop", Map(history[2])["op"].Text);
    }

    [Fact]
    public void NoOpWritesLeaveTheVersionAlone()
    {
        using var c = fixture.Connect();
        var k = Key("noop");
        var str = Key("str");
        c.Call("SET", str, "v");
        c.Call("RPUSH", k, "a", "b", "c");
        var missing = Key("missing");
        object[][] noOps =
        {
            new object[] { "LPUSHX", missing, "x" },
            new object[] { "RPUSHX", missing, "x" },
            new object[] { "LREM", k, "0", "nothere" },
            new object[] { "LINSERT", k, "BEFORE", "nothere", "x" },
            new object[] { "LTRIM", k, "0", "-1" },
            new object[] { "LTRIM", k, "-100", "100" },
            new object[] { "LPOP", k, "0" },
            new object[] { "LSET", k, "10", "x" },
            new object[] { "LSET", k, "abc", "x" },
            new object[] { "LMOVE", missing, k, "LEFT", "RIGHT" },
            new object[] { "RPOPLPUSH", missing, k },
            new object[] { "LMOVE", k, str, "LEFT", "RIGHT" },
            new object[] { "LMPOP", "1", missing, "LEFT" },
            new object[] { "BLPOP", missing, "0.001" },
            new object[] { "LPUSH", str, "x" },
            new object[] { "LRANGE", k, "0", "-1" },
            new object[] { "LINDEX", k, "0" },
            new object[] { "LPOS", k, "a" },
            new object[] { "LLEN", k },
        };
        foreach (var command in noOps)
        {
            c.Call(command);
            Assert.Equal(1, Version(c, k));
        }
        Assert.Equal(0, c.Call("EXISTS", missing).Integer);
        Assert.Equal(1, Version(c, str));
    }

    [Fact]
    public void EmptiedListsAreDeletedAndRecreatedFresh()
    {
        using var c = fixture.Connect();
        var k = Key("empty");
        foreach (var emptying in new[]
        {
            new object[] { "LPOP", k, "10" },
            new object[] { "RPOP", k, "2" },
            new object[] { "LREM", k, "0", "a" },
            new object[] { "LTRIM", k, "5", "10" },
            new object[] { "LMPOP", "1", k, "RIGHT", "COUNT", "5" },
        })
        {
            c.Call("RPUSH", k, "a", "a");
            c.Call("LPUSH", k, "x");
            c.Call("LPOP", k);
            Assert.Equal(3, Version(c, k));
            c.Call(emptying);
            Assert.Equal(0, c.Call("EXISTS", k).Integer);
            Assert.True(c.Call("KVS.META", k).IsNull);
        }
        c.Call("RPUSH", k, "only");
        Assert.Equal("only", c.Call("LMOVE", k, k + "2", "LEFT", "RIGHT").Text);
        Assert.Equal(0, c.Call("EXISTS", k).Integer);
        Assert.Equal(1, Version(c, k + "2"));
    }

    [Fact]
    public void CopyIsDeepAndDataHashFollowsContentAndOrder()
    {
        using var c = fixture.Connect();
        var a = Key("a");
        var b = Key("b");
        var reversed = Key("r");
        c.Call("RPUSH", a, "1", "2", "3");
        Assert.Equal(1, c.Call("COPY", a, b).Integer);
        c.Call("RPUSH", b, "4");
        c.Call("LSET", b, "0", "changed");
        Assert.Equal(new[] { "1", "2", "3" }, Range(c, a));
        Assert.Equal(new[] { "changed", "2", "3", "4" }, Range(c, b));
        c.Call("RPOP", b);
        c.Call("LSET", b, "0", "1");
        string Hash(string key) => Map(c.Call("KVS.META", key))["data_hash"].Text!;
        Assert.Equal(Hash(a), Hash(b));
        Assert.StartsWith("sha256:", Hash(a));
        c.Call("RPUSH", reversed, "3", "2", "1");
        Assert.NotEqual(Hash(a), Hash(reversed));
        c.Call("LPUSH", b, "0");
        Assert.NotEqual(Hash(a), Hash(b));
        // The history keeps the hash of the previous content.
        var history = c.Call("KVS.HISTORY", b, "COUNT", "2");
        Assert.Equal(Hash(a), Map(history[1])["data_hash"].Text);
    }

    [Fact]
    public void KeyspaceCommandsSeeLists()
    {
        using var c = fixture.Connect();
        var k = Key("ks");
        var renamed = Key("renamed");
        c.Call("RPUSH", k, "a", "b");
        Assert.Equal("list", c.Call("TYPE", k).Text);
        Assert.Equal("quicklist", c.Call("OBJECT", "ENCODING", k).Text);
        Assert.Equal("OK", c.Call("RENAME", k, renamed).Text);
        Assert.Equal(new[] { "a", "b" }, Range(c, renamed));
        var scan = c.Call("SCAN", "0", "MATCH", renamed, "TYPE", "list", "COUNT", "100000");
        Assert.Contains(scan[1].Items!, item => item.Text == renamed);
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", c.Call("GET", renamed).Text);
        Assert.Equal(1, c.Call("PEXPIRE", renamed, "50").Integer);
        Thread.Sleep(80);
        Assert.Equal(1, c.Call("RPUSH", renamed, "fresh").Integer);
        Assert.Equal(1, Version(c, renamed));
    }

    [Fact]
    public void PipelinedListCommandsReplyInOrder()
    {
        using var c = fixture.Connect();
        var k = Key("pipe");
        var batch = new MemoryStream();
        for (int i = 0; i < 200; i++) batch.Write(RespClient.Encode("RPUSH", k, "e" + i));
        batch.Write(RespClient.Encode("LRANGE", k, "0", "-1"));
        batch.Write(RespClient.Encode("LPOP", k, "150"));
        c.SendRaw(batch.ToArray());
        for (int i = 0; i < 200; i++) Assert.Equal(i + 1, c.Read().Integer);
        Assert.Equal(200, c.Read().Count);
        var popped = c.Read();
        Assert.Equal(150, popped.Count);
        Assert.Equal("e149", popped[149].Text);
        Assert.Equal(50, c.Call("LLEN", k).Integer);
    }
}
