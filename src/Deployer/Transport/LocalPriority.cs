using System.ComponentModel;
using System.Diagnostics;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// A <c>local</c> host's commands run on the bot's own machine. At parallelism 50 they can keep every CPU busy, and
/// then the bot's own threads (lease renewal, chat heartbeat, <c>!status</c>) wait behind them: a host's work runs at
/// a lower CPU priority (nice 10) than the bot that drives it. Not the lowest (19): on a machine busy with other work
/// that would starve the hosts' own steps. Children the command starts inherit it. A real
/// host's work runs on that host and is not affected.
/// </summary>
internal static class LocalPriority
{
    public static void Lower(Process process)
    {
        try
        {
            process.PriorityClass = ProcessPriorityClass.BelowNormal;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            // Exited already, or not allowed here: it runs at the bot's priority, which is only slower for the bot.
        }
    }
}
