using System.Diagnostics;
using Kvs.Core.Storage;
using Microsoft.Extensions.Hosting;

namespace Kvs.Host;

/// <summary>
/// Redis's active expiry: <c>hz</c> times a second, sample keys with a TTL and remove the expired
/// ones. Each cycle may use up to 25% of a core (like ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC), but
/// holds the store lock for at most a millisecond at a time so client latency stays flat.
/// </summary>
public sealed class ExpiryJanitor(KvsStore store) : BackgroundService
{
    private static readonly long SliceTicks = Stopwatch.Frequency / 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int hz = Math.Clamp(store.Config.Hz, 1, 500);
            var period = TimeSpan.FromMilliseconds(1000.0 / hz);
            long cycleBudget = (long)(Stopwatch.Frequency * period.TotalSeconds * 0.25);
            long start = Stopwatch.GetTimestamp();
            bool more = true;
            while (more && Stopwatch.GetTimestamp() - start < cycleBudget)
            {
                // DEBUG SET-ACTIVE-EXPIRE 0 pauses the janitor; checked under the lock so no slice runs after the command.
                lock (store.SyncRoot) more = store.Config.ActiveExpireEnabled && store.ActiveExpireSlice(SliceTicks);
                if (more) await Task.Yield();
            }
            try
            {
                await Task.Delay(period, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
