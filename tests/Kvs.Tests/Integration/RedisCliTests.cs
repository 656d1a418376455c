using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>Runs a command-line tool with bounded time, feeding stdin and capturing both outputs.</summary>
internal static class ExternalTool
{
    public sealed record Result(int ExitCode, byte[] StdoutBytes, string Stderr)
    {
        public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public static Result Run(string file, IEnumerable<string> args, byte[]? stdin = null, int timeoutMs = 20_000)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = Task.Run(() =>
        {
            var ms = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(ms);
            return ms.ToArray();
        });
        var stderr = process.StandardError.ReadToEndAsync();
        // Fed from another task: a tool that writes a lot before reading all its input must not deadlock us.
        var feed = Task.Run(() =>
        {
            try
            {
                if (stdin != null) process.StandardInput.BaseStream.Write(stdin);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited without reading everything; its exit code tells the story.
            }
        });
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish in {timeoutMs} ms");
        }
        Task.WaitAll(new Task[] { stdout, stderr, feed }, 5000);
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>
/// The real redis-cli and redis-benchmark against the in-process server: one-shot commands,
/// raw and quoted output, binary values through -x, --pipe mass insertion, --scan, RESP3 and
/// commands read from stdin, each compared with redis-server where the output is comparable.
/// </summary>
public sealed class RedisCliTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private ExternalTool.Result Cli(int port, params string[] args) => ExternalTool.Run("redis-cli", new[] { "-p", port.ToString() }.Concat(args));

    private ExternalTool.Result CliWithStdin(int port, byte[] stdin, params string[] args) =>
        ExternalTool.Run("redis-cli", new[] { "-p", port.ToString() }.Concat(args), stdin);

    [Fact]
    public void Ping()
    {
        var r = Cli(fixture.Port, "ping");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("PONG\n", r.Stdout);
    }

    [Fact]
    public void SetAndGetAwkwardValues()
    {
        const string value = "line1\nline2\t\"quoted\" 'single' é \\ end ";
        Assert.Equal("OK\n", Cli(fixture.Port, "set", "cli:awkward key", value).Stdout);
        Assert.Equal(value + "\n", Cli(fixture.Port, "get", "cli:awkward key").Stdout);
        Assert.Equal("\"line1\\nline2\\t\\\"quoted\\\" 'single' \\xc3\\xa9 \\\\ end \"\n", Cli(fixture.Port, "--no-raw", "get", "cli:awkward key").Stdout);
    }

    [Fact]
    public void BinaryValueThroughStdin()
    {
        var value = new byte[512];
        for (int i = 0; i < value.Length; i++) value[i] = (byte)(i * 7);
        var r = CliWithStdin(fixture.Port, value, "-x", "set", "cli:binary");
        Assert.Equal("OK\n", r.Stdout);
        using var c = fixture.Connect();
        Assert.Equal(value, c.Call("GET", "cli:binary").Bytes);
        // Raw output gives the bytes back as they are.
        Assert.Equal(value.Concat("\n"u8.ToArray()).ToArray(), Cli(fixture.Port, "get", "cli:binary").StdoutBytes);
    }

    /// <summary>
    /// One redis-cli invocation per case against both servers, comparing exit code and stdout.
    /// Cases run in order on each server, so later ones may read what earlier ones wrote.
    /// </summary>
    [Fact]
    public void OutputMatchesRedis()
    {
        var binary = new byte[256];
        for (int i = 0; i < 256; i++) binary[i] = (byte)i;
        var cases = new (string[] Args, byte[]? Stdin)[]
        {
            (new[] { "ping" }, null),
            (new[] { "ping", "hello there" }, null),
            (new[] { "echo", "a\nb" }, null),
            (new[] { "--no-raw", "echo", "a\nb\u0001" }, null),
            (new[] { "set", "cli:diff:k", "v w" }, null),
            (new[] { "get", "cli:diff:k" }, null),
            (new[] { "--no-raw", "get", "cli:diff:k" }, null),
            (new[] { "get", "cli:diff:missing" }, null),
            (new[] { "--no-raw", "get", "cli:diff:missing" }, null),
            (new[] { "get" }, null),
            (new[] { "--no-raw", "get" }, null),
            (new[] { "nosuchcommand", "x" }, null),
            (new[] { "set", "cli:diff:k", "v", "xx", "nx" }, null),
            (new[] { "-x", "set", "cli:diff:bin" }, binary),
            (new[] { "--no-raw", "get", "cli:diff:bin" }, null),
            (new[] { "--csv", "get", "cli:diff:k" }, null),
            (Array.Empty<string>(), "set cli:diff:a 1\nget cli:diff:a\nget\nset cli:diff:q \"x y\"\nget cli:diff:q\n"u8.ToArray()),
        };
        using var redis = RedisServerProcess.Start();
        var failures = new StringBuilder();
        foreach (var (args, stdin) in cases)
        {
            var expected = CliWithStdin(redis.Port, stdin ?? Array.Empty<byte>(), args);
            var actual = CliWithStdin(fixture.Port, stdin ?? Array.Empty<byte>(), args);
            if (expected.ExitCode != actual.ExitCode || !expected.StdoutBytes.SequenceEqual(actual.StdoutBytes))
                failures.Append($"redis-cli {string.Join(' ', args)}\n  redis: {expected}\n  kvs:   {actual}\n");
        }
        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void CommandsReadFromStdin()
    {
        var r = CliWithStdin(fixture.Port, "set cli:stdin:a 1\nget cli:stdin:a\nget cli:stdin:nothing\nping\n"u8.ToArray());
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("OK\n1\n\nPONG\n", r.Stdout);
    }

    [Fact]
    public void PipeMassInsertion()
    {
        var input = new MemoryStream();
        for (int i = 0; i < 20_000; i++) input.Write(RespClient.Encode("SET", "cli:pipe:" + i, "value " + i));
        var r = CliWithStdin(fixture.Port, input.ToArray(), "--pipe");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("errors: 0, replies: 20000", r.Stdout);
        // DBSIZE lives in another branch; sampled GETs show every SET landed.
        using var c = fixture.Connect();
        for (int i = 0; i < 20_000; i += 997) Assert.Equal("value " + i, c.Call("GET", "cli:pipe:" + i).Text);
        Assert.Equal("value 19999", c.Call("GET", "cli:pipe:19999").Text);
    }

    [Fact]
    public void PipeCountsErrorReplies()
    {
        var input = new MemoryStream();
        input.Write(RespClient.Encode("SET", "cli:pipe-errors", "1"));
        input.Write(RespClient.Encode("GET"));
        input.Write(RespClient.Encode("SET", "cli:pipe-errors", "1", "EX", "0"));
        input.Write(RespClient.Encode("GET", "cli:pipe-errors"));
        var r = CliWithStdin(fixture.Port, input.ToArray(), "--pipe");
        Assert.Contains("errors: 2, replies: 4", r.Stdout);
    }

    /// <summary>Needs SCAN (keyspace branch).</summary>
    [Fact]
    public void ScanListsKeysMatchingAPattern()
    {
        using var c = fixture.Connect();
        var keys = Enumerable.Range(0, 300).Select(i => "cli:scan:" + i).ToHashSet();
        foreach (var k in keys) c.Call("SET", k, "x");
        c.Call("SET", "cli:other", "x");
        var r = Cli(fixture.Port, "--scan", "--pattern", "cli:scan:*");
        Assert.True(r.ExitCode == 0, r.ToString());
        var listed = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Assert.Equal(keys.OrderBy(k => k), listed.OrderBy(k => k));
    }

    /// <summary>Needs HELLO (connection commands): redis-cli -3 starts with HELLO 3.</summary>
    [Fact]
    public void Resp3PingAndHello()
    {
        using var redis = RedisServerProcess.Start();
        foreach (int port in new[] { redis.Port, fixture.Port })
        {
            var ping = Cli(port, "-3", "ping");
            Assert.True(ping.ExitCode == 0 && !ping.Stderr.Contains("HELLO 3 failed"), ping.ToString());
            Assert.Equal("PONG\n", ping.Stdout);
            var hello = Cli(port, "-3", "hello");
            Assert.True(hello.ExitCode == 0 && !hello.Stderr.Contains("failed"), hello.ToString());
            // A map in raw mode: one "field value" line per entry.
            var fields = new Dictionary<string, string>();
            foreach (var line in hello.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                int space = line.IndexOf(' ');
                if (space > 0) fields[line[..space]] = line[(space + 1)..];
            }
            Assert.True(fields.GetValueOrDefault("server") == "redis", hello.Stdout);
            Assert.Equal("3", fields.GetValueOrDefault("proto"));
            Assert.Equal("standalone", fields.GetValueOrDefault("mode"));
            Assert.Equal("master", fields.GetValueOrDefault("role"));
            Assert.Matches(new Regex("^[0-9]+$"), fields.GetValueOrDefault("id") ?? "");
        }
    }

    [Fact]
    public void BenchmarkSetGet()
    {
        foreach (var extra in new[] { Array.Empty<string>(), new[] { "-P", "16" } })
        {
            var r = ExternalTool.Run("redis-benchmark",
                new[] { "-p", fixture.Port.ToString(), "-t", "set,get", "-n", "2000", "-c", "5", "-q" }.Concat(extra), timeoutMs: 30_000);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Matches(new Regex(@"SET: [0-9.]+ requests per second"), r.Stdout);
            Assert.Matches(new Regex(@"GET: [0-9.]+ requests per second"), r.Stdout);
            Assert.DoesNotContain("ERR", r.Stdout);
            Assert.DoesNotContain("rror", r.Stdout + r.Stderr);
        }
    }
}
