using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Tests.Rollout;

/// <summary>The combined revision read: one command per host, its output cut by marker lines, garbage refused.</summary>
public sealed class RevisionReaderTests : IDisposable
{
    private const string Marker = "chatops-rev-0011223344556677";
    private const string RevA = "0123456789abcdef0123456789abcdef01234567";
    private const string RevB = "89abcdef0123";

    private readonly TempDirectory _dir = new("chatops-revisions");

    public void Dispose() => _dir.Dispose();

    private FleetConfig Fleet(params (string Repo, string Command)[] repos) => new()
    {
        Repos = repos.ToDictionary(r => r.Repo, _ => new RepoConfig { Url = "/srv/upstream", Branch = "production" }, StringComparer.Ordinal),
        Roles =
        {
            ["master"] = new RoleConfig
            {
                Repos = repos.ToDictionary(r => r.Repo, r => new RoleRepo { Path = r.Repo, RevisionCommand = r.Command }, StringComparer.Ordinal),
                Steps = [new StepConfig { Name = "update", Command = "true" }],
            },
        },
        Hosts = [Host()],
    };

    private HostConfig Host() => new() { Name = "bm01", Role = "master", Transport = TransportKind.Local, Basedir = _dir.Path };

    private async Task<RevisionRead> ReadLocallyAsync(FleetConfig fleet)
    {
        var counting = new CountingSession((await new LocalTransport(64 * 1024, TimeProvider.System).ConnectAsync(Host(), CancellationToken.None)).Session!);
        var read = await RevisionReader.ReadWithProblemsAsync(fleet, Host(), counting, CancellationToken.None);
        Assert.Equal(1, counting.Runs);
        return read;
    }

    [Fact]
    public async Task ReadWithProblems_SeveralRepos_ReadsAllWithOneCommand()
    {
        var read = await ReadLocallyAsync(Fleet(("configs", $"echo {RevA}"), ("custom", $"printf '{RevB}+'")));

        Assert.Equal(RevA, read.Revisions["configs"]);
        Assert.Equal(RevB + "+", read.Revisions["custom"]);
        Assert.Empty(read.Problems);
    }

    [Fact]
    public async Task ReadWithProblems_CommandsThatExitCdOrFail_DoNotDisturbTheOthers()
    {
        var read = await ReadLocallyAsync(Fleet(
            ("a", "cd / && exit 3"),
            ("b", $"pwd >/dev/null; echo {RevA}"),
            ("c", "echo not-a-revision"),
            ("d", $"echo {RevB} # a trailing comment"),
            ("e", $"[ \"$(pwd)\" = '{_dir.Path}' ] && echo {RevA}")));

        Assert.Equal(RevisionReader.Unknown, read.Revisions["a"]);
        Assert.Equal(RevA, read.Revisions["b"]);
        Assert.Equal(RevisionReader.Unknown, read.Revisions["c"]);
        Assert.Equal(RevB, read.Revisions["d"]);
        Assert.Equal(RevA, read.Revisions["e"]);
        Assert.Equal(
            [
                new RevisionProblem { Repo = "a", Kind = RevisionProblemKind.Exited, ExitCode = 3 },
                new RevisionProblem { Repo = "c", Kind = RevisionProblemKind.NotARevision, Output = "not-a-revision" },
            ],
            read.Problems);
    }

    [Fact]
    public async Task ReadWithProblems_HostAnswersGarbage_EveryRepoUnknownWithAReason()
    {
        var session = new ScriptedSession(new CommandOutcome(CommandStatus.Ok, 0, $"{RevA}\n{RevB}\n", "", TimeSpan.Zero));

        var read = await RevisionReader.ReadWithProblemsAsync(Fleet(("configs", "x"), ("custom", "y")), Host(), session, CancellationToken.None);

        Assert.All(read.Revisions.Values, v => Assert.Equal(RevisionReader.Unknown, v));
        Assert.Equal(2, read.Problems.Count);
        Assert.All(read.Problems, p => Assert.Equal(RevisionProblemKind.NoResultLine, p.Kind));
    }

    [Fact]
    public async Task ReadWithProblems_ConnectionBroken_NamesTheTransportError()
    {
        var lost = new CommandError { Kind = CommandErrorKind.ConnectionLost, Host = "bm01" };
        var session = new ScriptedSession(new CommandOutcome(CommandStatus.Error, null, "", "", TimeSpan.Zero, lost));

        var read = await RevisionReader.ReadWithProblemsAsync(Fleet(("configs", "x")), Host(), session, CancellationToken.None);

        Assert.Equal(RevisionReader.Unknown, read.Revisions["configs"]);
        Assert.Equal([new RevisionProblem { Repo = "configs", Kind = RevisionProblemKind.NotRead, Status = CommandStatus.Error, CommandError = lost }], read.Problems);
    }

    [Fact]
    public void Split_MarkerLinesInOrder_GivesEachCommandItsOwnOutput()
    {
        var stdout = $"login banner\n{RevA}\n\n{Marker} 0 0\nno newline\n{Marker} 1 2\n";

        var answers = RevisionReader.Split(stdout, Marker, 2);

        Assert.Equal(new RevisionReader.Answer($"login banner\n{RevA}\n\n", 0), answers[0]);
        Assert.Equal(new RevisionReader.Answer("no newline\n", 2), answers[1]);
    }

    [Theory]
    [InlineData("{0} 1 0\n{0} 0 0\n")] // out of order
    [InlineData("{0} 0\n")] // no status
    [InlineData("{0} 0 zero\n")] // status not a number
    [InlineData("{0} 0 0 extra\n")] // more than index and status
    [InlineData("{0} -1 0\n")] // negative index
    [InlineData("{0} 5 0\n")] // index past the commands
    [InlineData("x {0} 0 0\n")] // marker not at the start of the line
    [InlineData("chatops-rev-ffffffffffffffff 0 0\n")] // another call's marker
    public void Split_MalformedOrForeignMarkerLine_AnswersNothing(string template)
    {
        var answers = RevisionReader.Split(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Marker), Marker, 2);

        Assert.All(answers, Assert.Null);
    }

    [Fact]
    public void Split_OutputCutAtTheStart_DropsTheFirstAnswerFound()
    {
        var stdout = $"…{RevA[20..]}\n{Marker} 1 0\n{RevB}\n{Marker} 2 0\n";

        var answers = RevisionReader.Split(stdout, Marker, 3, outputCut: true);

        Assert.Null(answers[0]);
        Assert.Null(answers[1]);
        Assert.Equal(new RevisionReader.Answer($"{RevB}\n", 0), answers[2]);
    }

    private sealed class CountingSession(IHostSession inner) : IHostSession
    {
        public int Runs { get; private set; }

        public Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Runs++;
            return inner.RunAsync(command, timeout, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class ScriptedSession(CommandOutcome outcome) : IHostSession
    {
        public Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(outcome);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
