using System.Net;
using Kvs.Core.Config;
using Kvs.Core.Persistence;
using Kvs.Core.Services;
using Kvs.Core.Storage;
using Kvs.Resp;
using Kvs.Resp.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace Kvs.Host;

/// <summary>
/// Composes the process with the Generic Host: configuration, Serilog, the store and its
/// background jobs as services, and Kestrel listening for RESP connections (plus HTTP /health and
/// /metrics when kvs-http-port is set).
/// </summary>
public static class ServerHost
{
    public const string Version = "7.0.15";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 1 && args[0] is "-v" or "--version")
        {
            Console.WriteLine($"Kvs server v={Version} (Redis-compatible) .NET {Environment.Version}");
            return 0;
        }
        if (args.Length >= 1 && args[0] == "check-aof")
            return AofChecker.Run(args[1..], Console.Out);
        if (args.Length == 1 && args[0] is "-h" or "--help")
        {
            Console.WriteLine("Usage: kvs-server [/path/to/redis.conf] [--option value ...]\n       kvs-server --port 6380 --appendonly no\n       kvs-server check-aof [--fix] <file.manifest|file.incr.kvs>");
            return 0;
        }
        ServerConfig config;
        try
        {
            config = ConfigLoader.Load(args);
        }
        catch (ConfigLoader.ConfigException ex)
        {
            Console.Error.WriteLine("*** FATAL CONFIG ERROR ***");
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        RunningServer running;
        try
        {
            running = await StartAsync(config).ConfigureAwait(false);
        }
        catch (PersistenceException)
        {
            // Already logged: the data on disk can't be loaded (corruption, wrong key); refuse to start.
            return 1;
        }
        await using (running)
            await running.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Starts a server (also used by tests, with port 0 for an ephemeral port).</summary>
    public static async Task<RunningServer> StartAsync(ServerConfig config, bool useSerilog = true)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        builder.Logging.ClearProviders();
        Serilog.Core.Logger? serilog = null;
        if (useSerilog)
        {
            serilog = CreateLogger(config);
            builder.Logging.AddSerilog(serilog, dispose: true);
        }
        builder.Logging.SetMinimumLevel(ToMicrosoftLevel(config.LogLevel));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton<IKeyService, KeyService>();
        builder.Services.AddSingleton<IHashingService, Sha256HashingService>();
        builder.Services.AddSingleton<IMetadataService, MetadataService>();
        builder.Services.AddSingleton<ILockManager, GlobalLockManager>();
        builder.Services.AddSingleton<IStorageDriver, InMemoryStorageDriver>();
        builder.Services.AddSingleton<KvsStore>();
        builder.Services.AddSingleton<CommandTable>();
        builder.Services.AddSingleton<RespServer>();
        builder.Services.AddSingleton<PersistenceManager>();
        builder.Services.AddHostedService<ExpiryJanitor>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        builder.WebHost.UseSockets(o =>
        {
            o.NoDelay = true;
            // Commands never block on I/O inside a batch, so continuations may run on the socket
            // thread itself: one thread-pool hop less per request (ADR 0001).
            o.UnsafePreferInlineScheduling = true;
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            foreach (var address in ParseBind(config.Bind))
                k.Listen(address, config.Port, l => l.UseConnectionHandler<RespConnectionHandler>());
            if (config.KvsHttpPort > 0) k.Listen(IPAddress.Loopback, config.KvsHttpPort);
        });

        var app = builder.Build();
        if (config.KvsHttpPort > 0) HttpEndpoints.Map(app);
        var server = app.Services.GetRequiredService<RespServer>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kvs");

        // Durability: the data set is loaded before the server listens; a graceful stop (SIGTERM,
        // SHUTDOWN) writes the final snapshot unless NOSAVE and fsyncs the log once every
        // connection is closed.
        var persistence = app.Services.GetRequiredService<PersistenceManager>();
        server.Persistence = persistence;
        try
        {
            persistence.Load(new CommandReplayer(server));
        }
        catch (PersistenceException ex)
        {
            log.LogCritical("{Message}", ex.Message);
            log.LogCritical("Kvs can't load its data and will not start.");
            await app.DisposeAsync().ConfigureAwait(false);
            serilog?.Dispose();
            throw;
        }

        // The logging decorator of the design wraps the store only when its lines can be seen
        // (loglevel verbose or debug), so the default path pays nothing for it. Composed after
        // the load so that replaying the log is not logged key by key.
        var storeLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kvs.Store");
        if (storeLogger.IsEnabled(LogLevel.Debug)) server.SessionStore = new LoggingKvsStore(server.Store, storeLogger);
        persistence.Start();
        server.ShutdownRequested += persistence.RequestShutdownSave;
        server.ShutdownRequested += _ => lifetime.StopApplication();
        lifetime.ApplicationStopped.Register(persistence.Shutdown);
        await app.StartAsync().ConfigureAwait(false);

        int port = config.Port;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        if (port == 0 && addresses != null)
        {
            foreach (var a in addresses.Addresses)
            {
                var uri = new Uri(a.Replace("*", "localhost", StringComparison.Ordinal));
                if (uri.Port != config.KvsHttpPort) { port = uri.Port; break; }
            }
        }
        server.TcpPort = port;
        log.LogInformation("Kvs {Version} ready to accept connections on {Bind}:{Port} (pid {Pid})", Version, config.Bind, port, Environment.ProcessId);
        return new RunningServer(app, server, port, serilog);
    }

    internal static IEnumerable<IPAddress> ParseBind(string bind)
    {
        foreach (var raw in bind.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string a = raw.TrimStart('-');
            if (a == "*") yield return IPAddress.Any;
            else if (a == "::*") yield return IPAddress.IPv6Any;
            else if (raw.StartsWith('-') && !IPAddress.TryParse(a, out _)) continue;
            else if (raw.StartsWith('-') && IPAddress.Parse(a).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !System.Net.Sockets.Socket.OSSupportsIPv6) continue;
            else yield return IPAddress.Parse(a);
        }
    }

    private static Serilog.Core.Logger CreateLogger(ServerConfig config)
    {
        const string template = "{ProcessId}:M {Timestamp:dd MMM yyyy HH:mm:ss.fff} {Level:u1} {Message:lj}{NewLine}{Exception}";
        var lc = new LoggerConfiguration()
            .MinimumLevel.Is(ToSerilogLevel(config.LogLevel))
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.WithProperty("ProcessId", Environment.ProcessId);
        if (config.LogFile.Length > 0) lc = lc.WriteTo.Async(a => a.File(config.LogFile, outputTemplate: template));
        else lc = lc.WriteTo.Async(a => a.Console(outputTemplate: template));
        return lc.CreateLogger();
    }

    private static LogEventLevel ToSerilogLevel(string level) => level switch
    {
        // Redis's debug is its most verbose level, verbose the next one.
        "debug" => LogEventLevel.Verbose,
        "verbose" => LogEventLevel.Debug,
        "warning" => LogEventLevel.Warning,
        "nothing" => LogEventLevel.Fatal,
        _ => LogEventLevel.Information,
    };

    private static LogLevel ToMicrosoftLevel(string level) => level switch
    {
        "debug" => LogLevel.Trace,
        "verbose" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "nothing" => LogLevel.None,
        _ => LogLevel.Information,
    };
}

/// <summary>A started server: its port, its services, and how to stop it.</summary>
public sealed class RunningServer(WebApplication app, RespServer server, int port, IDisposable? logger) : IAsyncDisposable
{
    public int Port { get; } = port;
    public RespServer Server { get; } = server;
    public IServiceProvider Services => app.Services;

    public Task WaitForShutdownAsync() => app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
            logger?.Dispose();
        }
    }
}
