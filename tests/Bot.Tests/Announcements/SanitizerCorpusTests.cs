using System.Text;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat.Discord;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>
/// Every input of the sanitizer corpus through every path that echoes text from people, commits, hosts or hooks:
/// what the bot shows is harmless (<see cref="SanitizerCorpus.AssertHarmless"/>) and what should survive (emoji, words) does.
/// </summary>
public sealed class SanitizerCorpusTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 11, 26, 14, 0, 0, TimeSpan.Zero);
    private BotHarness _bot = null!;

    public async Task InitializeAsync() => _bot = await BotHarness.StartAsync(BotHarness.NewDirectory(), Now);

    public async Task DisposeAsync() => await _bot.DisposeAsync();

    [Fact]
    public void Corpus_HasAtLeastSixtyInputs() => Assert.True(SanitizerCorpus.Entries.Count >= 60, $"{SanitizerCorpus.Entries.Count} inputs");

    [Fact]
    public void SafeText_EveryInput_HarmlessBoundedAndKeepsWhatItShould()
    {
        foreach (var e in SanitizerCorpus.Entries)
        {
            var shown = SafeText.Clean(e.Input, 200);
            SanitizerCorpus.AssertHarmless(shown, e.Name, maxLength: 200 * 40);
            Assert.DoesNotContain('\n', shown);
            Assert.True(new System.Globalization.StringInfo(shown.Replace("\u200B", "", StringComparison.Ordinal)).LengthInTextElements <= 201, $"{e.Name}: {shown.Length}");
            if (e.Keep is { } keep && e.Input.Length < 200) Assert.Contains(keep, shown, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task LockReason_EveryInput_ReplyAndStatusHarmless()
    {
        foreach (var e in SanitizerCorpus.Entries)
        {
            var reply = await _bot.SayAsync("alice", "!lock 30m " + e.Input);
            SanitizerCorpus.AssertHarmless(reply, $"{e.Name} (lock reply)");
            if (e.Keep is { } keep && e.Input.Length < 200 && !keep.Contains(' ', StringComparison.Ordinal))
                Assert.Contains(keep, reply, StringComparison.Ordinal);
            SanitizerCorpus.AssertHarmless(await _bot.SayAsync("bob", "!status"), $"{e.Name} (status)", maxLength: 8000);
        }

        await _bot.DeliverAsync();
        SanitizerCorpus.AssertHarmless(_bot.Posted, "posted", maxLength: 1_000_000);
    }

    [Fact]
    public async Task FreezeReason_EveryInput_ReplyAndStatusHarmless()
    {
        foreach (var e in SanitizerCorpus.Entries)
        {
            SanitizerCorpus.AssertHarmless(await _bot.SayAsync("alice", "!freeze 1h " + e.Input), $"{e.Name} (freeze reply)");
            SanitizerCorpus.AssertHarmless(await _bot.SayAsync("bob", "!status"), $"{e.Name} (status)", maxLength: 8000);
            SanitizerCorpus.AssertHarmless(await _bot.SayAsync("alice", "!unfreeze"), $"{e.Name} (unfreeze)");
        }
    }

    [Fact]
    public void CommitText_EveryInput_AnnouncementHarmlessOnEveryMedium()
    {
        var announcer = _bot.Service<IEnumerable<IEventAnnouncer>>().OfType<MergeAnnouncer>().Single();
        foreach (var e in SanitizerCorpus.Entries)
        {
            var merge = new Merge
            {
                Repo = "tools", Branch = "production", Kind = MergeKind.Push, NewHead = new string('f', 40), TotalCommits = 1,
                Commits = [new Commit { Rev = new string('a', 40), Author = e.Input, Summary = e.Input }],
            };
            var text = announcer.Format(merge);
            SanitizerCorpus.AssertHarmless(text, $"{e.Name} (merge)");
            SanitizerCorpus.AssertHarmless(DiscordText.Format(text), $"{e.Name} (merge on Discord)");
        }
    }

    [Fact]
    public void HostOutput_EveryInput_ResultsTableAndStepDetailHarmless()
    {
        foreach (var e in SanitizerCorpus.Entries)
        {
            var rollout = new RolloutRecord { Id = 7, Hosts = ["bm01"], State = RolloutState.Failed };
            var result = new HostResult { Host = "bm01", Outcome = HostOutcome.Failed, FailedStep = "checkconfig", Failure = new HostFailure { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.Failed, Detail = HostRun.FailureDetail(e.Input) ?? e.Input } };
            foreach (var chunk in RolloutMessages.Results(rollout, [result], 2000))
            {
                SanitizerCorpus.AssertHarmless(chunk, $"{e.Name} (results)");
                foreach (var part in DiscordText.Split(DiscordText.Format(chunk))) SanitizerCorpus.AssertHarmless(part, $"{e.Name} (results on Discord)");
            }
        }
    }

    [Fact]
    public async Task HostOutput_EveryInput_StatusPageAndApiViewHarmless()
    {
        // One host per input, stored as a rollout would store it (output decoded from the host's bytes, then its stored
        // tail) and read back as /rollouts/{id} and /api/rollouts/{id} show it.
        var entries = SanitizerCorpus.Entries;
        var results = entries.Select((e, i) => new HostResult
        {
            Host = $"h{i}", Role = "master", Outcome = HostOutcome.Failed, FailedStep = "update",
            Failure = new HostFailure { Kind = HostFailureKind.Step, Step = "update", StepStatus = StepStatus.Refused, Refusal = [Refused(e.Input)] },
            Steps =
            [
                new StepResult
                {
                    Name = "checkconfig", Status = StepStatus.Failed, ExitCode = 1, StdoutTail = HostRun.Tail(FromHost(e.Input) + "\nlast line"),
                    StderrTail = HostRun.Tail(FromHost(e.Input) + "\n\tindented"), Error = HostRun.FailureDetail(FromHost(e.Input)),
                },
                new StepResult { Name = "update", Status = StepStatus.Refused, Refusal = [Refused(e.Input)] },
            ],
        }).ToList();
        var rollout = new RolloutRecord { Hosts = [.. results.Select(r => r.Host)], State = RolloutState.Failed, StartedAt = Now, FinishedAt = Now };
        var id = await _bot.Rollouts.InsertAsync(rollout, results, CancellationToken.None);

        var details = await RolloutDetails.LoadAsync(_bot.Rollouts, id, CancellationToken.None);

        Assert.Equal(entries.Count, details!.Results.Count);
        foreach (var view in details.Results)
        {
            var e = entries[int.Parse(view.Host[1..], System.Globalization.CultureInfo.InvariantCulture)];
            SanitizerCorpus.AssertHarmless(view.Error ?? "", $"{e.Name} (page: host error)");
            foreach (var step in view.Steps)
            {
                // Output is shown as a block: its line breaks and tabs stay; everything else is as harmless as in chat.
                SanitizerCorpus.AssertHarmless(step.Stdout.Replace('\t', ' '), $"{e.Name} (page: {step.Name} stdout)", maxLength: 200_000);
                SanitizerCorpus.AssertHarmless(step.Stderr.Replace('\t', ' '), $"{e.Name} (page: {step.Name} stderr)", maxLength: 200_000);
                SanitizerCorpus.AssertHarmless(step.Error ?? "", $"{e.Name} (page: {step.Name} detail)");
            }

            var stdout = view.Steps[0].Stdout;
            Assert.EndsWith("\nlast line", stdout, StringComparison.Ordinal);
            Assert.EndsWith("\n\tindented", view.Steps[0].Stderr, StringComparison.Ordinal);
            if (e.Input.Length > RolloutDetails.TailChars) Assert.StartsWith("…", stdout, StringComparison.Ordinal);
            else if (e.Keep is { } keep && !keep.Contains(' ', StringComparison.Ordinal) && FromHost(e.Input) == e.Input) Assert.Contains(keep, stdout, StringComparison.Ordinal);
        }
    }

    /// <summary>What a host's output decodes to: bytes are UTF-8, so half a surrogate pair arrives as U+FFFD.</summary>
    private static string FromHost(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));

    private static Deployer.Fleet.TemplateProblem Refused(string value) =>
        new() { Kind = Deployer.Fleet.TemplateProblemKind.InvalidValue, Placeholder = "rev", Repo = "tools", Value = SafeText.Clean(value, 80) };

    [Fact]
    public void TransportSaid_EveryInput_HostFailureStepDetailAndLagHarmless()
    {
        foreach (var e in SanitizerCorpus.Entries)
        {
            var broke = new CommandError { Kind = CommandErrorKind.BrokeWhileRunning, Host = "bm01 (127.0.0.1:22)", Detail = e.Input };
            var failures = new[]
            {
                new HostFailure { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.Error, CommandError = broke },
                HostFailure.Connect(new ConnectFailure { Kind = ConnectFailureKind.Unreachable, Problem = ConnectProblem.HandshakeFailed, Host = "bm01 (127.0.0.1:22)", Detail = e.Input }),
                HostFailure.Connect(new ConnectFailure { Kind = ConnectFailureKind.Config, Problem = ConnectProblem.InvalidUser, Host = "bm01", Value = e.Input }),
            };
            foreach (var failure in failures)
            {
                SanitizerCorpus.AssertHarmless(HostText.Failure(failure, null), $"{e.Name} (host failure)");
                SanitizerCorpus.AssertHarmless(PolicyText.Lag(new HostUnreachable(failure), TimeZoneInfo.Utc), $"{e.Name} (lag)");
            }

            SanitizerCorpus.AssertHarmless(HostText.StepDetail(new StepResult { Status = StepStatus.Error, CommandError = broke }) ?? "", $"{e.Name} (step detail)");
        }
    }

    [Fact]
    public void HookFields_EveryInput_RefusalHarmless()
    {
        foreach (var e in SanitizerCorpus.Entries)
        {
            var json = System.Text.Json.JsonSerializer.Serialize(new { @ref = "refs/heads/" + e.Input, after = e.Input, repository = new { name = e.Input } });
            var parsed = GitPush.Parse(Encoding.UTF8.GetBytes(json));
            var shown = parsed.Error ?? parsed.Value!.RepositoryLabel;
            SanitizerCorpus.AssertHarmless(shown, $"{e.Name} (git hook)");
        }
    }

    [Fact]
    public void HgHookFields_EveryInput_RefusalHarmless()
    {
        foreach (var e in SanitizerCorpus.Entries)
        {
            foreach (var payload in new object[] { new { repo = "hgapp", branch = e.Input, node = "0123456789ab" }, new { repo = "hgapp", branch = "default", node = e.Input }, new { repo = e.Input, branch = "default" } })
            {
                var parsed = HgPush.Parse(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(payload)));
                var shown = parsed.Error ?? SafeText.Clean(parsed.Value!.Repo) + " " + SafeText.Clean(parsed.Value.Branch);
                SanitizerCorpus.AssertHarmless(shown, $"{e.Name} (hg hook)");
            }
        }
    }
}
