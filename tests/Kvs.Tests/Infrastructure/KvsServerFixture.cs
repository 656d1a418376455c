using Kvs.Core.Config;
using Kvs.Host;
using Xunit;

namespace Kvs.Tests.Infrastructure;

/// <summary>
/// A real Kvs server, in-process, listening on an ephemeral loopback port; one per test class
/// (xUnit class fixture). Persistence is off unless a test configures it.
/// </summary>
public sealed class KvsServerFixture : IAsyncLifetime
{
    static KvsServerFixture() => ThreadPool.SetMinThreads(32, 32);

    public RunningServer Server { get; private set; } = null!;
    public int Port => Server.Port;

    public static ServerConfig DefaultConfig() => new()
    {
        Port = 0,
        AppendOnly = false,
        Save = "",
        LogLevel = "warning",
        // As in Redis's own test suite (enable-debug-command yes): DEBUG SLEEP, SET-ACTIVE-EXPIRE...
        EnableDebugCommand = "yes",
        Dir = Path.Combine(Path.GetTempPath(), "kvs-tests-" + Guid.NewGuid().ToString("N")),
    };

    public async Task InitializeAsync() => Server = await ServerHost.StartAsync(DefaultConfig(), useSerilog: false);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public RespClient Connect() => RespClient.Connect(Port);

    /// <summary>Starts a separate server with a custom configuration (dispose it).</summary>
    public static Task<RunningServer> StartAsync(Action<ServerConfig> configure)
    {
        var config = DefaultConfig();
        configure(config);
        return ServerHost.StartAsync(config, useSerilog: false);
    }
}
