using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>How the transport's failures read (pinned: the words the Deployer's transport used to compose itself).</summary>
public sealed class TransportTextTests
{
    private const string Bm01 = "bm01 (127.0.0.1:2222)";

    private static CommandStop Killed(int? group) => new() { Kind = StopKind.Killed, ProcessGroup = group };

    public static TheoryData<string, CommandError> Commands() => new()
    {
        { "timed out after 30s; process group 4711 killed", new() { Kind = CommandErrorKind.TimedOut, Seconds = 30, Stop = Killed(4711) } },
        { "timed out after 1s; process group ? killed", new() { Kind = CommandErrorKind.TimedOut, Seconds = 1, Stop = Killed(null) } },
        { "timed out after 30s; killed", new() { Kind = CommandErrorKind.TimedOut, Seconds = 30, Stop = new() { Kind = StopKind.TreeKilled } } },
        {
            "timed out after 30s; the host did not stop it, process group 4711 killed",
            new() { Kind = CommandErrorKind.TimedOutUnstopped, Seconds = 30, Stop = Killed(4711) }
        },
        { "cancelled; killed", new() { Kind = CommandErrorKind.Cancelled, Stop = new() { Kind = StopKind.TreeKilled } } },
        { "cancelled; remote process id unknown, channel closed only", new() { Kind = CommandErrorKind.Cancelled, Stop = new() { Kind = StopKind.PidUnknown } } },
        {
            "cancelled; kill of process group 4711 did not finish within 10s",
            new() { Kind = CommandErrorKind.Cancelled, Stop = new() { Kind = StopKind.KillTimedOut, ProcessGroup = 4711, Seconds = 10 } }
        },
        {
            "cancelled; could not kill process group 4711: Client not connected.",
            new() { Kind = CommandErrorKind.Cancelled, Stop = new() { Kind = StopKind.KillFailed, ProcessGroup = 4711, Detail = "Client not connected." } }
        },
        { "killed by signal KILL", new() { Kind = CommandErrorKind.Signal, Signal = "KILL" } },
        { "the session is closed", new() { Kind = CommandErrorKind.SessionClosed } },
        { $"the connection to {Bm01} is lost", new() { Kind = CommandErrorKind.ConnectionLost, Host = Bm01 } },
        { $"the connection to {Bm01} is lost: Client not connected.", new() { Kind = CommandErrorKind.ConnectionLost, Host = Bm01, Detail = "Client not connected." } },
        {
            $"the connection to {Bm01} broke while the command ran: An established connection was aborted.",
            new() { Kind = CommandErrorKind.BrokeWhileRunning, Host = Bm01, Detail = "An established connection was aborted." }
        },
        { $"the connection to {Bm01} broke: Broken pipe", new() { Kind = CommandErrorKind.ConnectionBroke, Host = Bm01, Detail = "Broken pipe" } },
        { $"the connection to {Bm01} was closed", new() { Kind = CommandErrorKind.ConnectionClosed, Host = Bm01 } },
        { $"{Bm01} closed the channel without an exit status", new() { Kind = CommandErrorKind.NoExitStatus, Host = Bm01 } },
        { "cannot start /bin/sh: No such file or directory", new() { Kind = CommandErrorKind.ShellNotStarted, Detail = "No such file or directory" } },
        { "the host lock is held by another sequence", new() { Kind = CommandErrorKind.HostLockHeld } },
        { $"{Bm01} did not start the driver within 60s", new() { Kind = CommandErrorKind.DriverSilent, Host = Bm01, Waiting = DriverWait.Start, Seconds = 60 } },
        { $"{Bm01} did not take the host lock within 75s", new() { Kind = CommandErrorKind.DriverSilent, Host = Bm01, Waiting = DriverWait.Lock, Seconds = 75 } },
        { $"{Bm01} did not read the host's journal within 60s", new() { Kind = CommandErrorKind.DriverSilent, Host = Bm01, Waiting = DriverWait.Journal, Seconds = 60 } },
        { $"the driver on {Bm01} exited (127)", new() { Kind = CommandErrorKind.DriverExited, Host = Bm01, ExitCode = 127 } },
        { $"{Bm01} closed the channel", new() { Kind = CommandErrorKind.ChannelClosed, Host = Bm01 } },
        { "the driver process ended", new() { Kind = CommandErrorKind.DriverEnded } },
        { "the sequence is closed", new() { Kind = CommandErrorKind.SequenceClosed } },
        { $"{Bm01}: the driver reported no exit status", new() { Kind = CommandErrorKind.DriverNoExitStatus, Host = Bm01 } },
        {
            $"the driver on {Bm01} did not end a step 45s after it started; step process group unknown",
            new() { Kind = CommandErrorKind.StepNotEnded, Host = Bm01, Seconds = 45, Stop = new() { Kind = StopKind.GroupUnknown } }
        },
        { $"the driver on {Bm01} did not end a step 45s after it started; no channel", new() { Kind = CommandErrorKind.StepNotEnded, Host = Bm01, Seconds = 45, Stop = new() { Kind = StopKind.NoChannel } } },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Command_ReadsAsPinned(string expected, CommandError error) => Assert.Equal(expected, TransportText.Command(error));

    [Fact]
    public void Command_EveryKindHasItsOwnWords()
    {
        var pinned = Commands().Select(row => ((CommandError)row[1]).Kind).ToHashSet();

        Assert.Equal(Enum.GetValues<CommandErrorKind>().ToHashSet(), pinned);
    }

    private static ConnectFailure Config(ConnectProblem problem) => new() { Kind = ConnectFailureKind.Config, Problem = problem, Host = "bm01" };

    public static TheoryData<string, ConnectFailure> Connects() => new()
    {
        {
            "host name 'bm01;touch /tmp/x' may only contain letters, digits, '.', '_' and '-' (not first); refusing to connect",
            Config(ConnectProblem.InvalidHostName) with { Host = "bm01;touch /tmp/x", Value = "bm01;touch /tmp/x" }
        },
        { "address '127.0.0.1;touch' of host bm01 is not a host name or IP address; refusing to connect", Config(ConnectProblem.InvalidAddress) with { Value = "127.0.0.1;touch" } },
        { "port 70000 of host bm01 is not between 1 and 65535", Config(ConnectProblem.InvalidPort) with { Port = 70000 } },
        { "ssh user '' of host bm01 is missing or invalid (set hosts[].user or ssh.user)", Config(ConnectProblem.InvalidUser) with { Value = "" } },
        { "basedir 'x y' of host bm01 is not a valid path", Config(ConnectProblem.InvalidBasedir) with { Value = "x y" } },
        { "no ssh key configured: set the environment variable CHATOPS_SSH_KEY or ssh.keyFile", Config(ConnectProblem.NoKeyConfigured) with { Variable = "CHATOPS_SSH_KEY" } },
        { "ssh key /keys/id (from ssh.keyFile) does not exist", Config(ConnectProblem.KeyMissing) with { Path = "/keys/id", From = "ssh.keyFile" } },
        {
            "ssh key /keys/id (from $CHATOPS_SSH_KEY) cannot be read: Access to the path is denied.",
            Config(ConnectProblem.KeyUnreadable) with { Path = "/keys/id", From = "$CHATOPS_SSH_KEY", Detail = "Access to the path is denied." }
        },
        {
            "ssh key /keys/id is encrypted; put its passphrase in the environment variable CHATOPS_SSH_PASSPHRASE",
            Config(ConnectProblem.KeyEncrypted) with { Path = "/keys/id", From = "ssh.keyFile", Variable = "CHATOPS_SSH_PASSPHRASE" }
        },
        {
            "ssh key /keys/id (from ssh.keyFile) is not a usable private key: Invalid private key file.",
            Config(ConnectProblem.KeyUnusable) with { Path = "/keys/id", From = "ssh.keyFile", Detail = "Invalid private key file." }
        },
        {
            "ssh key /keys/id (from ssh.keyFile) is not a usable private key (wrong passphrase in CHATOPS_SSH_PASSPHRASE?): Bad data.",
            Config(ConnectProblem.KeyUnusable) with { Path = "/keys/id", From = "ssh.keyFile", Variable = "CHATOPS_SSH_PASSPHRASE", Detail = "Bad data." }
        },
        {
            $"{Bm01} refused key authentication for user cltbld with key /keys/id: Permission denied (publickey).",
            new() { Kind = ConnectFailureKind.AuthFailed, Problem = ConnectProblem.AuthRefused, Host = Bm01, User = "cltbld", Path = "/keys/id", Detail = "Permission denied (publickey)." }
        },
        { $"cannot reach {Bm01}: connection refused (is sshd running on that port?)", Unreachable(ConnectProblem.ConnectionRefused) },
        { $"cannot reach {Bm01}: host name not found (DNS)", Unreachable(ConnectProblem.HostNotFound) },
        { $"cannot reach {Bm01}: no route to host", Unreachable(ConnectProblem.NoRoute) },
        { $"cannot reach {Bm01}: Network is down", Unreachable(ConnectProblem.SocketError) with { Detail = "Network is down" } },
        { $"ssh handshake with {Bm01} failed: Server response does not contain SSH identification string.", Unreachable(ConnectProblem.HandshakeFailed) with { Detail = "Server response does not contain SSH identification string." } },
        { $"{Bm01} did not complete the ssh handshake within 10s (connect timeout)", Unreachable(ConnectProblem.HandshakeTimedOut) with { Kind = ConnectFailureKind.Timeout, Seconds = 10 } },
        { "basedir /srv/h3 does not exist", Unreachable(ConnectProblem.BasedirMissing) with { Host = "h3", Path = "/srv/h3" } },
        {
            $"host key for {Bm01} changed: got SHA256:got, expected SHA256:want (/etc/chatops/known_hosts line 3) — refusing to connect",
            new()
            {
                Kind = ConnectFailureKind.HostKeyMismatch, Problem = ConnectProblem.HostKeyRefused, Host = Bm01,
                HostKey = new() { Problem = HostKeyProblem.Changed, Host = Bm01, Fingerprint = "SHA256:got", Expected = [new() { Fingerprint = "SHA256:want", Source = "/etc/chatops/known_hosts", Line = 3 }] },
            }
        },
    };

    private static ConnectFailure Unreachable(ConnectProblem problem) => new() { Kind = ConnectFailureKind.Unreachable, Problem = problem, Host = Bm01 };

    [Theory]
    [MemberData(nameof(Connects))]
    public void Connect_ReadsAsPinned(string expected, ConnectFailure failure) => Assert.Equal(expected, TransportText.Connect(failure));

    [Fact]
    public void Connect_EveryProblemHasItsOwnWords()
    {
        var pinned = Connects().Select(row => ((ConnectFailure)row[1]).Problem).ToHashSet();

        Assert.Equal(Enum.GetValues<ConnectProblem>().ToHashSet(), pinned);
    }
}
