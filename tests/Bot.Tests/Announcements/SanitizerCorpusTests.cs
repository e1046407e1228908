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
}
