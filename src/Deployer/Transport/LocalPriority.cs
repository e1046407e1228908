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
