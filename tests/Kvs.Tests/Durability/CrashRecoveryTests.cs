using System.Diagnostics;
using Xunit;

namespace Kvs.Tests.Durability;

/// <summary>
/// SIGKILL at random moments while several clients write, then restart on the same directory:
/// under appendfsync always every acknowledged write survives with its metadata (version, TTL,
/// tags, history) and the revision counter never goes back; under everysec at most about a
/// second of acknowledged writes may be lost.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task Always_EveryAcknowledgedWriteSurvivesRepeatedKills()
    {
        using var dir = new TempDir();
        var workload = new Workload(writers: 4, keysPerWriter: 40);
        var random = new Random();
        long revisionFloor = 0;
        for (int round = 0; round < 3; round++)
        {
            using var server = KvsProcess.Start(dir.Path, "--appendfsync", "always");
            if (round > 0)
            {
                using var check = server.Connect();
                workload.Verify(check);
                // Revisions keep counting: a new change gets a revision above every one seen before the crash.
                Assert.Equal(1, check.Call("KVS.SET", $"probe{round}", "x").Integer);
                long revision = Workload.MetaField(check.Call("KVS.META", $"probe{round}"), "revision");
                Assert.True(revision > revisionFloor, $"revision {revision} after restart, {revisionFloor} seen before the crash");
            }
            using var stop = new CancellationTokenSource();
            long before = workload.TotalWrites;
            var tasks = workload.Start(server.Port, stop.Token);
            await Task.Delay(random.Next(300, 900));
            server.Kill();
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(20));
            revisionFloor = Math.Max(revisionFloor, workload.MaxRevisionSeen);
            Assert.True(workload.TotalWrites > before, "the writers made progress before the kill\n" + server.Output);
        }
        using (var final = KvsProcess.Start(dir.Path, "--appendfsync", "always"))
        {
            using var check = final.Connect();
            workload.Verify(check);
            Assert.Contains("DB loaded from append only file", final.Output);
        }
    }

    [Fact]
    public async Task Everysec_LosesAtMostAboutOneSecond()
    {
        using var dir = new TempDir();
        var workload = new Workload(writers: 3, keysPerWriter: 30);
        long killedAt;
        using (var server = KvsProcess.Start(dir.Path, "--appendfsync", "everysec"))
        {
            using var stop = new CancellationTokenSource();
            var tasks = workload.Start(server.Port, stop.Token);
            await Task.Delay(1500);
            killedAt = Stopwatch.GetTimestamp();
            server.Kill();
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(20));
        }
        using var restarted = KvsProcess.Start(dir.Path);
        using var client = restarted.Connect();
        // Verify fails for any acknowledged write that is missing and older than 1.2 s at the kill.
        int lost = workload.Verify(client, killedAt, lossWindowTicks: (long)(Stopwatch.Frequency * 1.2));
        Assert.True(lost < workload.TotalWrites / 10, $"{lost} of {workload.TotalWrites} acknowledged writes lost");
    }
}
