using System.Diagnostics;

namespace Kvs.Core.Storage;

public sealed partial class KvsStore
{
    /// <summary>Keys sampled per database per round (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).</summary>
    private const int KeysPerLoop = 20;
    /// <summary>Another round follows while more than this percentage of a sample had expired.</summary>
    private const int AcceptableStalePercent = 10;

    private readonly Random _expireRandom = new();
    private int _expireDbCursor;

    /// <summary>
    /// One slice of Redis's active expiry cycle, run under the lock by the janitor: samples keys with
    /// a TTL in each database and removes the expired ones, repeating a database while the sample was
    /// more than 10% stale, until <paramref name="budgetTicks"/> (Stopwatch ticks) are used. Returns
    /// true when it stopped for the budget (more work may remain).
    /// </summary>
    public bool ActiveExpireSlice(long budgetTicks)
    {
        long start = Stopwatch.GetTimestamp();
        RefreshClock();
        int effort = Math.Clamp(Config.ActiveExpireEffort, 1, 10);
        int perLoop = KeysPerLoop + KeysPerLoop / 4 * (effort - 1);
        int count = DatabaseCount;
        for (int d = 0; d < count; d++)
        {
            var db = GetDatabase((_expireDbCursor + d) % count);
            while (true)
            {
                int n = Math.Min(perLoop, db.Expires.Count);
                if (n == 0) break;
                int expired = 0;
                for (int i = 0; i < n && db.Expires.Count > 0; i++)
                {
                    var e = db.Expires.Sample(_expireRandom);
                    if (e.ExpiresAt <= Now)
                    {
                        Expire(db, e);
                        expired++;
                    }
                }
                if (Stopwatch.GetTimestamp() - start > budgetTicks)
                {
                    _expireDbCursor = (db.Index + 1) % count;
                    Stats.ExpiredStalePercentTimes++;
                    return true;
                }
                if (expired * 100 / n <= AcceptableStalePercent) break;
            }
        }
        return false;
    }
}
