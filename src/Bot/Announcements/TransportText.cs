using System.Globalization;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// How the transport's failures read: <c>timed out after 30s; process group 4711 killed</c>,
/// <c>cannot reach bm04 (10.0.0.4:22): connection refused (is sshd running on that port?)</c>. What SSH.NET, the
/// operating system or a host said (<c>Detail</c>, refused values) is echoed as given; callers clean the whole line.
/// </summary>
internal static class TransportText
{
    /// <summary>Why a command did not end with an exit code of its own.</summary>
    public static string Command(CommandError e)
    {
        var host = e.Host ?? "the host";
        var seconds = Number(e.Seconds);
        return e.Kind switch
        {
            CommandErrorKind.TimedOut => $"timed out after {seconds}s; {Stop(e.Stop)}",
            CommandErrorKind.TimedOutUnstopped => $"timed out after {seconds}s; the host did not stop it, {Stop(e.Stop)}",
            CommandErrorKind.Cancelled => $"cancelled; {Stop(e.Stop)}",
            CommandErrorKind.Signal => $"killed by signal {e.Signal}",
            CommandErrorKind.SessionClosed => "the session is closed",
            CommandErrorKind.ConnectionLost => $"the connection to {host} is lost{Said(e.Detail)}",
            CommandErrorKind.BrokeWhileRunning => $"the connection to {host} broke while the command ran{Said(e.Detail)}",
            CommandErrorKind.ConnectionBroke => $"the connection to {host} broke{Said(e.Detail)}",
            CommandErrorKind.ConnectionClosed => $"the connection to {host} was closed",
            CommandErrorKind.NoExitStatus => $"{host} closed the channel without an exit status",
            CommandErrorKind.ShellNotStarted => $"cannot start /bin/sh{Said(e.Detail)}",
            CommandErrorKind.HostLockHeld => "the host lock is held by another sequence",
            CommandErrorKind.DriverSilent => $"{host} did not {Waiting(e.Waiting)} within {seconds}s",
            CommandErrorKind.DriverExited => $"the driver on {host} exited ({Number(e.ExitCode)})",
            CommandErrorKind.ChannelClosed => $"{host} closed the channel",
            CommandErrorKind.DriverEnded => "the driver process ended",
            CommandErrorKind.SequenceClosed => "the sequence is closed",
            CommandErrorKind.DriverNoExitStatus => $"{host}: the driver reported no exit status",
            CommandErrorKind.StepNotEnded => $"the driver on {host} did not end a step {seconds}s after it started; {Stop(e.Stop)}",
            _ => $"error{Said(e.Detail)}",
        };
    }

    /// <summary>How a command that had to be stopped was stopped: <c>process group 4711 killed</c>.</summary>
    public static string Stop(CommandStop? s)
    {
        var group = Number(s?.ProcessGroup);
        return s?.Kind switch
        {
            StopKind.Killed => $"process group {group} killed",
            StopKind.KillTimedOut => $"kill of process group {group} did not finish within {Number(s.Seconds)}s",
            StopKind.KillFailed => $"could not kill process group {group}{Said(s.Detail)}",
            StopKind.PidUnknown => "remote process id unknown, channel closed only",
            StopKind.GroupUnknown => "step process group unknown",
            StopKind.NoChannel => "no channel",
            _ => "killed",
        };
    }

    /// <summary>Why there is no connection to a host; a refused host key reads as <see cref="HostText.HostKey"/> does.</summary>
    public static string Connect(ConnectFailure f)
    {
        var host = f.Host ?? "the host";
        var value = SafeText.Clean(f.Value, 80);
        return f.Problem switch
        {
            ConnectProblem.HostKeyRefused when f.HostKey is { } key => HostText.HostKey(key),
            ConnectProblem.HostKeyRefused => $"host key for {host} refused — refusing to connect",
            ConnectProblem.InvalidHostName => $"host name '{value}' may only contain letters, digits, '.', '_' and '-' (not first); refusing to connect",
            ConnectProblem.InvalidAddress => $"address '{value}' of host {host} is not a host name or IP address; refusing to connect",
            ConnectProblem.InvalidPort => $"port {Number(f.Port)} of host {host} is not between 1 and 65535",
            ConnectProblem.InvalidUser => $"ssh user '{value}' of host {host} is missing or invalid (set hosts[].user or ssh.user)",
            ConnectProblem.InvalidBasedir => $"basedir '{value}' of host {host} is not a valid path",
            ConnectProblem.NoKeyConfigured => $"no ssh key configured: set the environment variable {f.Variable} or ssh.keyFile",
            ConnectProblem.KeyMissing => $"ssh key {f.Path} (from {f.From}) does not exist",
            ConnectProblem.KeyUnreadable => $"ssh key {f.Path} (from {f.From}) cannot be read{Said(f.Detail)}",
            ConnectProblem.KeyEncrypted => $"ssh key {f.Path} is encrypted; put its passphrase in the environment variable {f.Variable}",
            ConnectProblem.KeyUnusable =>
                $"ssh key {f.Path} (from {f.From}) is not a usable private key{(f.Variable is { } v ? $" (wrong passphrase in {v}?)" : "")}{Said(f.Detail)}",
            ConnectProblem.AuthRefused => $"{host} refused key authentication for user {f.User} with key {f.Path}{Said(f.Detail)}",
            ConnectProblem.ConnectionRefused => $"cannot reach {host}: connection refused (is sshd running on that port?)",
            ConnectProblem.HostNotFound => $"cannot reach {host}: host name not found (DNS)",
            ConnectProblem.NoRoute => $"cannot reach {host}: no route to host",
            ConnectProblem.SocketError => $"cannot reach {host}{Said(f.Detail)}",
            ConnectProblem.HandshakeFailed => $"ssh handshake with {host} failed{Said(f.Detail)}",
            ConnectProblem.HandshakeTimedOut => $"{host} did not complete the ssh handshake within {Number(f.Seconds)}s (connect timeout)",
            ConnectProblem.BasedirMissing => $"basedir {f.Path} does not exist",
            _ => $"cannot connect to {host}{Said(f.Detail)}",
        };
    }

    private static string Waiting(DriverWait? what) => what switch
    {
        DriverWait.Lock => "take the host lock",
        DriverWait.Journal => "read the host's journal",
        _ => "start the driver",
    };

    private static string Said(string? detail) => string.IsNullOrEmpty(detail) ? "" : ": " + detail;

    private static string Number(int? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "?";
}
