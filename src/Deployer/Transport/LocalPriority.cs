using System.ComponentModel;
using System.Diagnostics;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// A <c>local</c> host's commands run on the bot's own machine. At parallelism 50 they can keep every CPU busy, and
/// then the bot's own threads (lease renewal, chat heartbeat, <c>!status</c>) wait behind them: a host's work runs at
/// a lower CPU priority than the bot that drives it (<c>rollout.localPriority</c>: by default nice 10; not the lowest,
/// 19, which on a machine busy with other work starves the hosts' own steps). Children the command starts inherit
/// it. A real host's work runs on that host and is not affected.
/// </summary>
internal static class LocalPriority
{
    private const string Nice = "/usr/bin/nice";

    /// <summary>
    /// Makes <paramref name="psi"/> start under <c>nice</c>, so the command runs at the lower priority from its first
    /// instruction: set after the start, a quick command, or the children a driver forks at once, could run before it
    /// applied. Returns false where there is no <c>nice</c>; then <see cref="Lower"/> sets it after the start.
    /// </summary>
    public static bool Apply(ProcessStartInfo psi, Fleet.LocalHostPriority priority)
    {
        if (priority == Fleet.LocalHostPriority.Normal) return true;
        if (!File.Exists(Nice)) return false;
        var args = psi.ArgumentList.ToList();
        psi.ArgumentList.Clear();
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add(priority == Fleet.LocalHostPriority.Idle ? "19" : "10");
        psi.ArgumentList.Add(psi.FileName);
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        psi.FileName = Nice;
        return true;
    }

    /// <summary>Lowers a started process's priority (where <see cref="Apply"/> could not).</summary>
    public static void Lower(Process process, Fleet.LocalHostPriority priority)
    {
        if (priority == Fleet.LocalHostPriority.Normal) return;
        try
        {
            process.PriorityClass = priority == Fleet.LocalHostPriority.Idle ? ProcessPriorityClass.Idle : ProcessPriorityClass.BelowNormal;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            // Exited already, or not allowed here: it runs at the bot's priority, which is only slower for the bot.
        }
    }
}
