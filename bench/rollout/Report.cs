using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ChatOpsReconfig.Bench.Rollout;

/// <summary>One N's runs of every side.</summary>
internal sealed record Row(int Hosts, int Parallelism, int Canary, IReadOnlyDictionary<Side, List<Measurement>> Runs, string LoadBefore, string LoadAfter)
{
    public double Wall(Side side) => Stats.Median(Runs[side].Select(m => m.WallMs));

    public double OursRolloutMs => Stats.Median(Runs[Side.Ours].Select(m => m.Ours!.RolloutMs));

    public long PeakRssKb => Runs[Side.Ours].Max(m => m.Ours!.PeakRssKb);

    public double? ClientCpu(Side side) =>
        Runs[side].All(m => m.ClientCpuMs is not null) ? Stats.Median(Runs[side].Select(m => m.ClientCpuMs!.Value)) : null;

    public double ServerCpu(Side side) => Stats.Median(Runs[side].Select(m => m.ServerCpuMs));

    public string Describe() =>
        FormattableString.Invariant($"N={Hosts} P={Parallelism}: ours {Wall(Side.Ours):0} ms (rollout {OursRolloutMs:0} ms), parallel-ssh {Wall(Side.Pssh):0} ms, ratio {Wall(Side.Ours) / Wall(Side.Pssh):0.00}")
        + (Runs.ContainsKey(Side.PsshSteps) ? FormattableString.Invariant($"; parallel-ssh ×5 {Wall(Side.PsshSteps):0} ms, ratio {Wall(Side.Ours) / Wall(Side.PsshSteps):0.00}") : "")
        + FormattableString.Invariant($"; peak RSS {PeakRssKb / 1024.0:0.0} MB");
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[(v.Count / 2) - 1] + v[v.Count / 2]) / 2;
    }
}

internal static class Machine
{
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    public static string Describe()
    {
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"machine: {Environment.ProcessorCount} CPUs ({cpu}), {long.Parse(memKb, CultureInfo.InvariantCulture) / 1024 / 1024.0:0.0} GiB RAM, load {LoadAverage()}; "
            + $"{RuntimeInformation.OSDescription}; .NET {Environment.Version}; {Tool("/usr/sbin/sshd", "-V")}; parallel-ssh {Tool("parallel-ssh", "--version")}");
    }

    private static string Tool(string file, string arg)
    {
        try
        {
            var psi = new ProcessStartInfo(file, arg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!; // Start returns a process when UseShellExecute is false.
            var text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Split(',')[0].Trim() ?? "?";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not found";
        }
    }
}

internal static class Report
{
    public static string Markdown(string machine, BenchOptions options, IReadOnlyList<Row> rows)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var steps = rows.Count > 0 && rows[0].Runs.ContainsKey(Side.PsshSteps);
        var baseline = rows.Count > 0 && rows[0].Runs.ContainsKey(Side.OursBaseline);
        sb.AppendLine(inv, $"{machine}");
        sb.AppendLine(inv, $"{options.Reps} runs per side per N, order rotated each time, after one untimed warm-up each; parallelism {options.Parallelism} (capped at N), canaryCount {options.Canary}. Medians.");
        sb.AppendLine();
        sb.Append("| N | ours (`chatops deploy` process) | ours, rollout only | parallel-ssh, 1 connection × 3 steps in one line | ratio ours/pssh | ");
        if (steps) sb.Append("parallel-ssh ×5 invocations, 1 ControlMaster connection | ratio ours/pssh×5 | ");
        if (baseline) sb.Append("ours, baseline build | ");
        sb.AppendLine("peak RSS ours |");
        sb.AppendLine("|---:|---:|---:|---:|---:|" + (steps ? "---:|---:|" : "") + (baseline ? "---:|" : "") + "---:|");
        foreach (var r in rows)
        {
            sb.Append(inv, $"| {r.Hosts} | {S(r.Wall(Side.Ours))} | {S(r.OursRolloutMs)} | {S(r.Wall(Side.Pssh))} | **{r.Wall(Side.Ours) / r.Wall(Side.Pssh):0.00}** | ");
            if (steps) sb.Append(inv, $"{S(r.Wall(Side.PsshSteps))} | {r.Wall(Side.Ours) / r.Wall(Side.PsshSteps):0.00} | ");
            if (baseline) sb.Append(inv, $"{S(r.Wall(Side.OursBaseline))} (RSS {r.Runs[Side.OursBaseline].Max(m => m.Ours!.PeakRssKb) / 1024.0:0} MB) | ");
            sb.AppendLine(inv, $"{r.PeakRssKb / 1024.0:0} MB |");
        }

        sb.AppendLine();
        sb.AppendLine("CPU, medians (client: the process and the children it waited for; server: every sshd and what it ran):");
        sb.AppendLine();
        sb.AppendLine("| N | ours client | ours server | parallel-ssh client | parallel-ssh server |" + (steps ? " parallel-ssh ×5 server |" : "") + (baseline ? " baseline client | baseline server |" : ""));
        sb.AppendLine("|---:|---:|---:|---:|---:|" + (steps ? "---:|" : "") + (baseline ? "---:|---:|" : ""));
        foreach (var r in rows)
        {
            sb.Append(inv, $"| {r.Hosts} | {C(r.ClientCpu(Side.Ours))} | {C(r.ServerCpu(Side.Ours))} | {C(r.ClientCpu(Side.Pssh))} | {C(r.ServerCpu(Side.Pssh))} |");
            sb.AppendLine((steps ? $" {C(r.ServerCpu(Side.PsshSteps))} |" : "") + (baseline ? $" {C(r.ClientCpu(Side.OursBaseline))} | {C(r.ServerCpu(Side.OursBaseline))} |" : ""));
        }

        sb.AppendLine();
        foreach (var r in rows)
        {
            sb.Append(inv, $"N={r.Hosts}: load {r.LoadBefore} → {r.LoadAfter}; wall ms: ");
            sb.AppendLine(string.Join("; ", r.Runs.Select(kv => $"{Sides.Label(kv.Key)} [{string.Join(", ", kv.Value.Select(m => m.WallMs.ToString("0", inv)))}]")));
        }

        return sb.ToString();

        static string S(double ms) => (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s";

        static string C(double? ms) => ms is { } v ? (v / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " s" : "–";
    }
}
