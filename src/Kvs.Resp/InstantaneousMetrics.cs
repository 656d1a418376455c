using System.Diagnostics;

namespace Kvs.Resp;

/// <summary>
/// INFO's instantaneous_ops_per_sec and instantaneous_input/output_kbps, computed as Redis does
/// (serverCron's trackInstantaneousMetric): every 100 ms a sample of the per-second rate since the
/// previous sample goes into a ring of 16, and the figure is the ring's mean.
/// <para>
/// The timer holds the server only weakly, so a server that is dropped (tests start many) is
/// collected and its timer stops itself.
/// </para>
/// </summary>
internal sealed class InstantaneousMetrics
{
    private const int Samples = 16;
    private const int PeriodMs = 100;

    private readonly object _gate = new();
    private readonly Metric _ops = new();
    private readonly Metric _input = new();
    private readonly Metric _output = new();
    private Timer? _timer;

    public static InstantaneousMetrics Start(RespServer server)
    {
        var metrics = new InstantaneousMetrics();
        var weak = new WeakReference<RespServer>(server);
        metrics._timer = new Timer(static state =>
        {
            var (target, self) = ((WeakReference<RespServer>, InstantaneousMetrics))state!;
            if (!target.TryGetTarget(out var s))
            {
                self._timer?.Dispose();
                return;
            }
            self.Sample(s);
        }, (weak, metrics), PeriodMs, PeriodMs);
        return metrics;
    }

    private void Sample(RespServer server)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            _ops.Track(server.TotalCommandsProcessed, now);
            _input.Track(server.TotalNetInputBytes, now);
            _output.Track(server.CurrentNetOutputBytes(), now);
        }
    }

    public long OpsPerSecond
    {
        get { lock (_gate) return (long)_ops.Mean; }
    }

    public double InputKbps
    {
        get { lock (_gate) return _input.Mean / 1024; }
    }

    public double OutputKbps
    {
        get { lock (_gate) return _output.Mean / 1024; }
    }

    /// <summary>CONFIG RESETSTAT: counters went back to zero, so the next sample must not see a negative rate.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _ops.Clear();
            _input.Clear();
            _output.Clear();
        }
    }

    private sealed class Metric
    {
        private readonly double[] _samples = new double[Samples];
        private int _index;
        private long _lastValue = -1;
        private long _lastTime;

        public double Mean
        {
            get
            {
                double sum = 0;
                foreach (var s in _samples) sum += s;
                return sum / Samples;
            }
        }

        public void Track(long value, long now)
        {
            if (_lastValue >= 0 && now > _lastTime && value >= _lastValue)
            {
                double seconds = (double)(now - _lastTime) / Stopwatch.Frequency;
                _samples[_index] = (value - _lastValue) / seconds;
                _index = (_index + 1) % Samples;
            }
            _lastValue = value;
            _lastTime = now;
        }

        public void Clear()
        {
            Array.Clear(_samples);
            _lastValue = -1;
        }
    }
}
