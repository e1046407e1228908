using System.Text;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Discord;
using ChatOpsReconfig.Bot.Chat.Irc;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Bot.Tests.Chat;

/// <summary>
/// The same messages as each medium shows them, pinned in <c>Golden/NAME.MEDIUM.txt</c> (reviewed by eye once):
/// console and IRC plain lines, Discord Markdown (tables in code blocks, split under 2,000 characters without
/// breaking a row). A message goes the way the bot sends it: split under the transport's limit, then the transport's
/// own rendering. To update after an intended change: <c>CHATOPS_UPDATE_GOLDEN=1 dotnet test … --filter RendererGoldenTests</c>,
/// then read the diff.
/// </summary>
public sealed class RendererGoldenTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    /// <summary>What a server would prefix to our PRIVMSG (<c>:nick!user@host</c>), for IRC's byte budget.</summary>
    private const string IrcHostmask = "chatops!~chatops@bot.example.org";

    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-golden-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var message in new[] { "rollout-start", "progress", "results", "status", "lock-hostile" })
        {
            foreach (var medium in new[] { "console", "irc", "discord" }) data.Add(message, medium);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Render_Message_MatchesGolden(string message, string medium)
    {
        var limit = medium switch { "irc" => IrcChatTransport.MaxMessageChars, "discord" => DiscordChatTransport.SplitLength, _ => 2000 };
        var texts = await MessageAsync(message, limit);

        var rendered = Render(medium, texts);

        var path = Path.Combine(GoldenDir(), $"{message}.{medium}.txt");
        if (Environment.GetEnvironmentVariable("CHATOPS_UPDATE_GOLDEN") == "1") await File.WriteAllTextAsync(path, rendered);
        Assert.True(File.Exists(path), $"no golden file {path}; run with CHATOPS_UPDATE_GOLDEN=1 and review it");
        Assert.Equal(await File.ReadAllTextAsync(path), rendered);
    }

    [Fact]
    public async Task Discord_ResultsLongerThanTheLimit_EveryMessageUnderItAndEveryRowWhole()
    {
        var parts = (await MessageAsync("results", DiscordChatTransport.SplitLength)).SelectMany(t => DiscordText.Split(DiscordText.Format(t))).ToList();

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(p.Length <= 2000, $"{p.Length} characters"));
        Assert.All(parts, p => Assert.Equal(0, p.Split('\n').Count(l => l.StartsWith("```", StringComparison.Ordinal)) % 2));
        Assert.Equal(60, parts.SelectMany(p => p.Split('\n')).Count(l => l.StartsWith("bm", StringComparison.Ordinal)));
    }

    /// <summary>The texts the bot hands its transport for <paramref name="name"/> (already split under <paramref name="limit"/>).</summary>
    private async Task<IReadOnlyList<string>> MessageAsync(string name, int limit) => name switch
    {
        "rollout-start" => MessageSplitter.Split(RolloutMessages.Started(Rollout()), limit),
        "progress" => [RolloutMessages.Progress(12, 15, 60, 1)],
        "results" => RolloutMessages.Results(Rollout(), Results(), limit),
        "status" => MessageSplitter.Split(Status(), limit),
        _ => MessageSplitter.Split(await HostileLockReplyAsync(), limit),
    };

    /// <summary>Each message as the medium's wire or screen shows it, messages separated by a marker line.</summary>
    private static string Render(string medium, IReadOnlyList<string> texts)
    {
        var sb = new StringBuilder();
        var n = 0;
        foreach (var text in texts)
        {
            IEnumerable<string> messages = medium switch
            {
                "discord" => DiscordText.Split(DiscordText.Format(text)),
                "irc" => IrcTextSplitter.Split(text, IrcBudget()),
                _ => [string.Join('\n', text.Split('\n').Select(l => "[#releng] " + l))],
            };
            foreach (var m in messages) sb.Append(FormattableString.Invariant($"----- message {++n} -----\n")).Append(m).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Bytes left for text in one PRIVMSG line (the same sum as <c>IrcSession.TextBudget</c>).</summary>
    private static int IrcBudget() => 510 - (1 + IrcHostmask.Length + 1) - "PRIVMSG #releng :".Length;

    private static readonly List<string> Hosts = Enumerable.Range(1, 60).Select(i => $"bm{i:00}").ToList();

    private static RolloutRecord Rollout() => new()
    {
        Id = 12,
        StartedBy = "alice",
        Trigger = RolloutTrigger.DeployNow,
        StartedAt = T0,
        FinishedAt = T0.AddMinutes(4).AddSeconds(12),
        State = RolloutState.Failed,
        Tally = new RolloutTally { Total = 60, Ok = 58, Failed = 1, Unreachable = 1 },
        Hosts = Hosts,
        CanaryCount = 1,
        Changes =
        [
            new RepoChange
            {
                Repo = "buildbot-configs", From = "1111aaaa2222bbbb", To = "3333cccc4444dddd", TotalCommits = 2,
                Commits =
                [
                    new ChangeCommit { Rev = "2222bbbb3333cccc", Author = "Alice Releng", Summary = "Bug 1040013 - enable the new pool", Bugs = [1040013] },
                    new ChangeCommit { Rev = "3333cccc4444dddd", Author = "bob", Summary = "*bold* `code` @everyone", Bugs = [] },
                ],
            },
            new RepoChange { Repo = "tools", From = "5555eeee6666ffff", To = "5555eeee6666ffff" },
        ],
    };

    private static List<HostResult> Results() => Hosts.Select(h => new HostResult
    {
        Host = h,
        Outcome = h switch { "bm17" => HostOutcome.Failed, "bm30" => HostOutcome.Unreachable, _ => HostOutcome.Ok },
        FailedStep = h switch { "bm17" => "checkconfig", "bm30" => "connect", _ => null },
        Failure = h switch
        {
            "bm17" => new HostFailure { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.Failed, Detail = "exit 2: master.cfg line 40: unknown slave 'bm99'" },
            "bm30" => HostFailure.Of(HostFailureKind.Connect, "connection refused"),
            _ => null,
        },
        StartedAt = T0,
        FinishedAt = T0.AddSeconds(3.4),
        Before = new() { ["buildbot-configs"] = "1111aaaa2222bbbb" },
        After = new() { ["buildbot-configs"] = h == "bm30" ? "1111aaaa2222bbbb" : "3333cccc4444dddd" },
    }).ToList();

    /// <summary>The shape of <c>!status</c>: the summary line, then the hosts not in sync as a table.</summary>
    private static string Status()
    {
        var table = new TextTable("host", "role", "state", "detail", "last rollout");
        table.Add("bm17", "master", HostText.Lag(HostLagState.Behind), "buildbot-configs 1111aaaa2222 (production 3333cccc4444)", "#12 14:04 UTC");
        table.Add("bm30", "master", HostText.Lag(HostLagState.Unreachable), "connection refused", "#12 14:04 UTC");
        table.Add("foopy02", "foopy", HostText.Lag(HostLagState.Disabled), null, "-");
        return string.Join('\n', ["fleet: 58 in sync, 1 behind, 1 unreachable, 1 disabled", "production: buildbot-configs 3333cccc4444, tools 5555eeee6666", .. table.Lines()]);
    }

    /// <summary><c>!lock 45m</c> with a reason that tries mentions, markup, a right-to-left override and a line break.</summary>
    private async Task<string> HostileLockReplyAsync()
    {
        using var db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        var time = new FakeTimeProvider(T0);
        var locks = new LockService(new LockStore(db), new DeployerEvents(), time, Options.Create(new LockOptions()), NullLogger<LockService>.Instance);
        var command = new LockCommand(locks, new LockReplies(new ChatClock(time, new BotOptions())));
        var args = new[] { "45m", "@everyone", "<@123456>", "*bold*", "`x`", "\u202Eevil\u202C", "🚀", "👩‍👩‍👧", "line1\nline2" };
        var message = new ChatMessage("releng", "u-alice", "alice", [], "!lock …");
        var reply = await command.ExecuteAsync(new CommandContext(message, Permission.Deployer, "lock", args, "!"), CancellationToken.None);
        return reply.Text;
    }

    private static string GoldenDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatOpsReconfig.sln"))) return Path.Combine(dir.FullName, "tests", "Bot.Tests", "Chat", "Golden");
        }

        throw new InvalidOperationException("no ChatOpsReconfig.sln above the test binaries");
    }
}
