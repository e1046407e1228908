using System.Diagnostics;
using System.Globalization;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>
/// Wall-clock samples of one measured operation, in milliseconds, and the process CPU time each took (all
/// threads: on a loaded machine wall time includes waiting for a CPU, CPU time does not).
/// </summary>
internal sealed record Stats(string Name, IReadOnlyList<double> Samples, IReadOnlyList<double> CpuSamples)
{
    private double[] Sorted => Samples.Order().ToArray();

    public double Min => Sorted[0];

    public double Median => Percentile(50);

    public double P95 => Percentile(95);

    public double Max => Sorted[^1];

    public double CpuMedian
    {
        get
        {
            var s = CpuSamples.Order().ToArray();
            return s[Math.Clamp((int)Math.Ceiling(0.5 * s.Length) - 1, 0, s.Length - 1)];
        }
    }

    /// <summary>Nearest-rank percentile.</summary>
    public double Percentile(double p)
    {
        var s = Sorted;
        var rank = (int)Math.Ceiling(p / 100.0 * s.Length);
        return s[Math.Clamp(rank - 1, 0, s.Length - 1)];
    }

    public static Task<Stats> MeasureAsync(string name, int warmup, int iterations, Func<Task> action) =>
        MeasureAsync(name, warmup, iterations, null, action);

    /// <summary>Times <paramref name="action"/> only; <paramref name="setup"/> runs untimed before each call.</summary>
    public static async Task<Stats> MeasureAsync(string name, int warmup, int iterations, Func<Task>? setup, Func<Task> action)
    {
        for (var i = 0; i < warmup; i++)
        {
            if (setup is not null) await setup();
            await action();
        }

        var samples = new List<double>(iterations);
        var cpu = new List<double>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            if (setup is not null) await setup();
            var cpuStart = Environment.CpuUsage.TotalTime;
            var start = Stopwatch.GetTimestamp();
            await action();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            cpu.Add((Environment.CpuUsage.TotalTime - cpuStart).TotalMilliseconds);
        }

        return new Stats(name, samples, cpu);
    }

    public static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
}
