using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

/// <summary>
/// Reads through the driver (<see cref="HostDriver.Read"/>): the revision read runs in the driver's own subshell, the
/// default git read is answered from the repo's files where they are plain, and the client bounds a read's time.
/// The driver runs as the local transport's <c>/bin/sh -s</c>, with a PATH whose <c>git</c> logs every call.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DriverReadTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new("chatops-driver-read");
    private readonly string _bin;
    private readonly string _calls;
    private readonly string _basedir;

    public DriverReadTests()
    {
        _basedir = Directory.CreateDirectory(_dir.Combine("base")).FullName;
        _calls = _dir.Combine("git-calls.log");
        _bin = SearchPath.Without(_dir.Combine("bin"), "git");

        var git = Path.Combine(_bin, "git");
        File.WriteAllText(git, $"#!/bin/sh\necho \"$*\" >> '{_calls}'\nexec /usr/bin/git \"$@\"\n");
        File.SetUnixFileMode(git, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => _dir.Dispose();

    private HostConfig Host() => new() { Name = "bm01", Role = "master", Transport = TransportKind.Local, Basedir = _basedir };

    private FleetConfig Fleet() => new()
    {
        Repos = { ["repo"] = new RepoConfig { Url = "/srv/upstream", Branch = "production" } },
        Roles =
        {
            ["master"] = new RoleConfig
            {
                Repos = { ["repo"] = new RoleRepo { Path = "repo" } },
                Steps = [new StepConfig { Name = "update", Command = "true" }],
            },
        },
        Hosts = [Host()],
    };

    private async Task<DriverSequence> StartAsync(TimeProvider time)
    {
        var sequence = new DriverSequence("local", 64 * 1024, time, NullLogger.Instance);
        await sequence.StartAsync(LocalDriverChannel.Start(sequence, out _, _bin)!, _basedir, new SequenceOptions(1, null, TimeSpan.FromSeconds(60)));
        Assert.Null(sequence.StartError);
        return sequence;
    }

    private async Task<string> GitAsync(params string[] args)
    {
        var result = await Shell.RunAsync("git", ["-C", Path.Combine(_basedir, "repo"), .. args]);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', args)}: {result.Stderr}");
        return result.Stdout.Trim();
    }

    private string[] GitCalls() => File.Exists(_calls) ? File.ReadAllLines(_calls) : [];

    [Theory]
    [InlineData("detached", 0)]
    [InlineData("branch", 0)]
    [InlineData("packed", 1)]
    [InlineData("worktree", 1)]
    public async Task DefaultGitRead_GivesWhatGitGives_AndRunsGitOnlyWhereTheFilesAreNotPlain(string shape, int gitRuns)
    {
        var repo = Path.Combine(_basedir, "repo");
        Assert.Equal(0, (await Shell.RunAsync("git", ["init", "-q", "-b", "production", shape == "worktree" ? _dir.Combine("main") : repo])).ExitCode);
        var work = shape == "worktree" ? _dir.Combine("main") : repo;
        Assert.Equal(0, (await Shell.RunAsync("git", ["-C", work, "commit", "-q", "--allow-empty", "-m", "one"])).ExitCode);
        Assert.Equal(0, (await Shell.RunAsync("git", ["-C", work, "commit", "-q", "--allow-empty", "-m", "two"])).ExitCode);
        switch (shape)
        {
            case "detached":
                await GitAsync("checkout", "-q", "--detach", "HEAD~1");
                break;
            case "packed":
                await GitAsync("pack-refs", "--all");
                break;
            case "worktree":
                Assert.Equal(0, (await Shell.RunAsync("git", ["-C", work, "worktree", "add", "-q", "--detach", repo, "HEAD~1"])).ExitCode);
                break;
        }

        var expected = await GitAsync("rev-parse", "HEAD");
        await using var sequence = await StartAsync(TimeProvider.System);

        var read = await RevisionReader.ReadWithProblemsAsync(Fleet(), Host(), sequence, CancellationToken.None);
        var step = await sequence.RunStepAsync($"git -C {CommandTemplate.ShellQuote(repo)} rev-parse HEAD", Timeout, null, CancellationToken.None);

        Assert.Empty(read.Problems);
        Assert.Equal(expected, read.Revisions["repo"]);
        // A step runs in its own shell, with the real git, whatever the repo looks like.
        Assert.Equal(expected + "\n", step.Stdout);
        Assert.Equal(gitRuns + 1, GitCalls().Length);
    }

    [Theory]
    [InlineData("detached", 0)]
    [InlineData("branch", 0)]
    [InlineData("packed", 1)]
    public async Task ReadOutsideTheDriver_DefaultGitRead_GivesWhatGitGives_AndRunsGitOnlyWhereTheFilesAreNotPlain(string shape, int gitRuns)
    {
        // The start-up probe and status --live read through a plain session (/bin/sh -c), not the driver.
        var repo = Path.Combine(_basedir, "repo");
        Assert.Equal(0, (await Shell.RunAsync("git", ["init", "-q", "-b", "production", repo])).ExitCode);
        Assert.Equal(0, (await Shell.RunAsync("git", ["-C", repo, "commit", "-q", "--allow-empty", "-m", "one"])).ExitCode);
        Assert.Equal(0, (await Shell.RunAsync("git", ["-C", repo, "commit", "-q", "--allow-empty", "-m", "two"])).ExitCode);
        if (shape == "detached") await GitAsync("checkout", "-q", "--detach", "HEAD~1");
        if (shape == "packed") await GitAsync("pack-refs", "--all");
        var expected = await GitAsync("rev-parse", "HEAD");

        var read = await RevisionReader.ReadWithProblemsAsync(Fleet(), Host(), new PlainShell(_bin, _basedir), CancellationToken.None);

        Assert.Empty(read.Problems);
        Assert.Equal(expected, read.Revisions["repo"]);
        Assert.Equal(gitRuns, GitCalls().Length);
    }

    [Fact]
    public async Task GitFunction_OtherGitCommands_AndAHeadNamingAnythingButABranch_GoToTheRealGit()
    {
        var repo = Path.Combine(_basedir, "repo");
        Assert.Equal(0, (await Shell.RunAsync("git", ["init", "-q", "-b", "production", repo])).ExitCode);
        Assert.Equal(0, (await Shell.RunAsync("git", ["-C", repo, "commit", "-q", "--allow-empty", "-m", "one"])).ExitCode);
        var head = await GitAsync("rev-parse", "HEAD");
        // A HEAD file that points outside refs/heads, at a file that holds a hash: the real git says what it is.
        await File.WriteAllTextAsync(Path.Combine(repo, "hash-file"), head + "\n");
        await File.WriteAllTextAsync(Path.Combine(repo, ".git", "HEAD"), "ref: refs/heads/../../hash-file\n");
        await using var sequence = await StartAsync(TimeProvider.System);

        var odd = await sequence.RunAsync($"git -C {CommandTemplate.ShellQuote(repo)} rev-parse HEAD", Timeout, CancellationToken.None);
        var other = await sequence.RunAsync($"git -C {CommandTemplate.ShellQuote(repo)} rev-parse --short HEAD", Timeout, CancellationToken.None);

        Assert.NotEqual(head + "\n", odd.Stdout);
        Assert.Equal(2, GitCalls().Length);
        Assert.Equal(CommandStatus.Failed, other.Status);
    }

    [Fact]
    public async Task Read_PastItsTime_IsStoppedByTheClient_AndTheNextStepRuns()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var sequence = await StartAsync(time);
        var started = _dir.Combine("started");

        var read = sequence.RunAsync($"touch {CommandTemplate.ShellQuote(started)}; while :; do :; done", TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.True(await Poll.UntilAsync(() => File.Exists(started), Timeout));
        // The host has no timer for a read; the client's clock ends it. It is moved once more only if the client had
        // not yet armed its timer when the clock first moved (a loaded machine).
        for (var i = 0; i < 3 && !read.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(60));
            await Poll.UntilAsync(() => read.IsCompleted, TimeSpan.FromSeconds(10));
        }

        var outcome = await read;
        var next = await sequence.RunStepAsync("echo next", Timeout, "next", CancellationToken.None);

        Assert.Equal(CommandStatus.TimedOut, outcome.Status);
        Assert.Equal((CommandErrorKind.TimedOut, 60, StopKind.Killed), (outcome.Error?.Kind, outcome.Error?.Seconds, outcome.Error?.Stop?.Kind));
        Assert.Equal((CommandStatus.Ok, "next\n"), (next.Status, next.Stdout));
    }

    /// <summary>A command run as a plain session runs it: <c>/bin/sh -c</c> in the basedir, here with the logging git first on PATH.</summary>
    private sealed class PlainShell(string path, string basedir) : ICommandRunner
    {
        public async Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { WorkingDirectory = basedir, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(command);
            psi.Environment["PATH"] = path;
            using var process = System.Diagnostics.Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var status = process.ExitCode == 0 ? CommandStatus.Ok : CommandStatus.Failed;
            return new CommandOutcome(status, process.ExitCode, await stdout, await stderr, TimeSpan.Zero);
        }
    }
}
