using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// The server as its own process (<c>dotnet kvs-server.dll</c>, copied next to the tests):
/// SIGTERM shuts it down cleanly, after the replies to what it already received, and bad
/// command-line options stop it with a message.
/// </summary>
public sealed class ProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kvs-process-tests-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> _started = new();

    public ProcessTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try
            {
                if (!p.HasExited) p.Kill();
                p.WaitForExit(5000);
            }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private const int SIGTERM = 15;

    private sealed class ServerProcess(Process process, StringBuilder output)
    {
        public Process Process { get; } = process;
        public string Output { get { lock (output) return output.ToString(); } }
    }

    private ServerProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kvs-server.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
        _started.Add(process);
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process, output);
    }

    private static RespClient ConnectWhenReady(ServerProcess server, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return RespClient.Connect(port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !server.Process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    [Fact]
    public async Task SigtermFinishesInFlightRepliesAndExitsZero()
    {
        int port = RedisServerProcess.FreePort();
        var server = Start("--port", port.ToString(), "--appendonly", "no", "--save", "", "--dir", _dir);
        using var idle = ConnectWhenReady(server, port);
        Assert.Equal("OK", idle.Call("SET", "k", "v").Text);

        // A busy client: a deep pipeline, with SIGTERM arriving once its first reply is back.
        using var busy = new TcpClient("127.0.0.1", port) { NoDelay = true };
        var stream = busy.GetStream();
        const int commands = 20_000;
        var request = new MemoryStream();
        for (int i = 0; i < commands; i++) request.Write(RespClient.Encode("SET", "key:" + i, "value"));
        var send = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(request.ToArray());
            }
            catch (IOException)
            {
                // The server may stop reading and close before taking the whole pipeline.
            }
        });
        var received = new MemoryStream();
        var buffer = new byte[65536];
        using (var first = new CancellationTokenSource(10_000))
        {
            while (received.Length == 0) received.Write(buffer, 0, await stream.ReadAsync(buffer, first.Token));
        }
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, kill(server.Process.Id, SIGTERM));

        // Replies keep coming until the server closes the connection: whole replies only. The
        // close is a reset when the server leaves part of the pipeline unread (the kernel's
        // rule, as with redis-server); replies already sent are still read before the reset.
        using (var rest = new CancellationTokenSource(10_000))
        {
            while (true)
            {
                int n;
                try
                {
                    n = await stream.ReadAsync(buffer, rest.Token);
                }
                catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
                {
                    break;
                }
                if (n == 0) break;
                received.Write(buffer, 0, n);
            }
        }
        await send.WaitAsync(TimeSpan.FromSeconds(10));
        var replies = Encoding.ASCII.GetString(received.ToArray());
        Assert.True(replies.Length % 5 == 0 && replies.Replace("+OK\r\n", "").Length == 0,
            $"reply stream is not a sequence of whole +OK replies ({replies.Length} bytes)");
        Assert.InRange(replies.Length / 5, 1, commands);

        // The idle client is let go too rather than keeping the server waiting.
        Assert.True(idle.IsClosedByServer(10_000));
        Assert.True(server.Process.WaitForExit(10_000), "still running 10 s after SIGTERM:\n" + server.Output);
        Assert.True(server.Process.ExitCode == 0, $"exit code {server.Process.ExitCode}:\n{server.Output}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {clock.Elapsed}");
    }

    [Fact]
    public void SigtermOfAnIdleServerIsQuick()
    {
        int port = RedisServerProcess.FreePort();
        var server = Start("--port", port.ToString(), "--appendonly", "no", "--save", "", "--dir", _dir);
        using var idle = ConnectWhenReady(server, port);
        Assert.Equal("PONG", idle.Call("PING").Text);
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, kill(server.Process.Id, SIGTERM));
        Assert.True(server.Process.WaitForExit(10_000), "still running 10 s after SIGTERM:\n" + server.Output);
        Assert.Equal(0, server.Process.ExitCode);
        // Without waking idle sessions Kestrel would wait out its whole shutdown timeout (5 s).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"shutdown took {clock.Elapsed}");
    }

    [Fact]
    public void UnknownFlagExitsNonZeroNamingIt()
    {
        int port = RedisServerProcess.FreePort();
        var server = Start("--port", port.ToString(), "--foo", "bar");
        Assert.True(server.Process.WaitForExit(20_000), "did not exit");
        server.Process.WaitForExit();
        Assert.NotEqual(0, server.Process.ExitCode);
        Assert.Contains("'foo'", server.Output);
    }
}
