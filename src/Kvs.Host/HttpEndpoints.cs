using System.Text;
using Kvs.Resp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kvs.Host;

/// <summary>/health and /metrics (Prometheus text format) on kvs-http-port.</summary>
internal static class HttpEndpoints
{
    public static void Map(WebApplication app)
    {
        var server = app.Services.GetRequiredService<RespServer>();
        app.MapGet("/health", () => Results.Text("ok\n"));
        app.MapGet("/metrics", () =>
        {
            var sb = new StringBuilder();
            long keys = 0;
            lock (server.Store.SyncRoot)
                for (int i = 0; i < server.Store.DatabaseCount; i++) keys += server.Store.GetDatabase(i).Count;
            Metric(sb, "kvs_connected_clients", "gauge", server.ConnectedClients);
            Metric(sb, "kvs_commands_processed_total", "counter", server.TotalCommandsProcessed);
            Metric(sb, "kvs_connections_received_total", "counter", server.TotalConnectionsReceived);
            Metric(sb, "kvs_keyspace_hits_total", "counter", server.Store.Stats.KeyspaceHits);
            Metric(sb, "kvs_keyspace_misses_total", "counter", server.Store.Stats.KeyspaceMisses);
            Metric(sb, "kvs_expired_keys_total", "counter", server.Store.Stats.ExpiredKeys);
            Metric(sb, "kvs_keys", "gauge", keys);
            Metric(sb, "kvs_revision", "counter", server.Store.Revision);
            Metric(sb, "kvs_memory_used_bytes", "gauge", GC.GetTotalMemory(false));
            return Results.Text(sb.ToString(), "text/plain; version=0.0.4");
        });
    }

    private static void Metric(StringBuilder sb, string name, string type, long value) =>
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n').Append(name).Append(' ').Append(value).Append('\n');
}
