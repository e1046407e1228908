using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Console;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Tests.Web;

/// <summary>
/// The whole bot in-process on real Kestrel (a free loopback port) with the demo fleet (five local-transport hosts,
/// three git repos, every host one commit behind). The foopy role gets a step <c>gate</c> that blocks reading the fifo
/// <c>{basedir}/gate</c>, so a test holds a rollout mid-way and releases it by writing one line.
/// </summary>
public sealed class WebBot : IAsyncDisposable
{
    public const string TokenVariable = "CHATOPS_TEST_WEB_TOKEN_UNSET";

    private readonly WebApplication _app;

    private WebBot(string dir, WebApplication app, ChatLines chat, CapturedLogs logs)
    {
        Directory = dir;
        _app = app;
        Chat = chat;
        Logs = logs;
        Url = app.Urls.Single();
        Http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Directory { get; }

    public string Url { get; }

    public HttpClient Http { get; }

    public ChatLines Chat { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    public IRolloutStore Store => Services.GetRequiredService<IRolloutStore>();

    public RepoWatcher Watcher => Services.GetRequiredService<RepoWatcher>();

    public RolloutCoordinator Coordinator => Services.GetRequiredService<RolloutCoordinator>();

    public async Task<IReadOnlyDictionary<string, string>> HeadsAsync() => (await Watcher.GetHeadsAsync(CancellationToken.None)).Revisions;

    public string Upstream(string repo) => Path.Combine(Directory, "data", "demo", "upstream", repo);

    public string Basedir(string host) => Path.Combine(Directory, "data", "demo", "hosts", host);

    /// <summary>Starts the bot; <paramref name="tokenFile"/> set makes <c>/api/*</c> and <c>/metrics</c> need that token.</summary>
    public static async Task<WebBot> StartAsync(string? token = null)
    {
        var dir = BotHarness.NewDirectory(json =>
        {
            var web = new JsonObject { ["url"] = "http://127.0.0.1:0", ["hookSecretEnv"] = "CHATOPS_TEST_HOOK_SECRET_UNSET", ["tokenEnv"] = TokenVariable };
            json["web"] = web;
            // Polls only when a test asks (PushAsync), so a test's own repo states stay as written.
            foreach (var (_, repo) in json["repos"]!.AsObject()) repo!["pollSeconds"] = 3600;
            var foopy = json["roles"]!["foopy"]!["steps"]!.AsArray();
            foopy.Add(new JsonObject { ["name"] = "gate", ["timeoutSeconds"] = 120, ["command"] = "if [ -p {basedir}/gate ]; then read line < {basedir}/gate; fi" });
        });
        if (token is not null)
        {
            var path = Path.Combine(dir, "web-token");
            await File.WriteAllTextAsync(path, token + "\n");
            var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "chatops.json")))!.AsObject();
            json["web"]!["tokenFile"] = path;
            await File.WriteAllTextAsync(Path.Combine(dir, "chatops.json"), json.ToJsonString());
        }

        var (fleet, problems) = FleetConfigLoader.TryLoad(Path.Combine(dir, "chatops.json"), BotOptions.SectionNames, dir);
        Assert.Empty(problems);
        Assert.Empty(BotOptions.Validate(fleet!));
        var options = BotOptions.From(fleet!);
        var chat = new ChatLines();
        var logs = new CapturedLogs();
        var app = BotHost.Build(fleet!, options, services =>
        {
            services.RemoveAll<IChatTransport>();
            services.AddSingleton<IChatTransport>(new ConsoleChatTransport(options.Chat, new HookedBot.SilentReader(), chat));
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ILoggerProvider>(logs);
        });
        await app.StartAsync();
        var bot = new WebBot(dir, app, chat, logs);
        // The tests change the store between requests and expect to see it at once.
        app.Services.GetRequiredService<Bot.Web.StatusCache>().MaxAge = TimeSpan.Zero;
        // Hosts never seen are read at start; wait for that, so the tests' own states are not overwritten.
        await app.Services.GetServices<IHostedService>().OfType<BotStartup>().Single().InitialProbe.WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var repo in fleet!.Repos.Keys) await bot.Watcher.PollNowAsync(repo).WaitAsync(TimeSpan.FromSeconds(60));
        return bot;
    }

    /// <summary>
    /// The fleet of the page tests: bm01 lagging (as the demo starts), bm02 failed at checkconfig, bm03 unreachable,
    /// the foopies in sync; the states written the way a rollout leaves them.
    /// </summary>
    public async Task SeedMixedFleetAsync()
    {
        var heads = await HeadsAsync();
        async Task<HostState> State(string host) => (await Store.GetHostStateAsync(host, CancellationToken.None))!;
        await Store.SaveHostStateAsync(await State("bm02") with { LastOutcome = HostOutcome.Failed, LastFailedStep = "checkconfig", LastFailure = new HostFailure { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.Failed, Detail = "exit 1: checkconfig failed" }, LastRolloutId = null }, CancellationToken.None);
        await Store.SaveHostStateAsync(await State("bm03") with { LastOutcome = HostOutcome.Unreachable, LastFailure = HostFailure.Of(HostFailureKind.Connect, "connect: connection refused") }, CancellationToken.None);
        foreach (var foopy in new[] { "foopy01", "foopy02" })
            await Store.SaveHostStateAsync(await State(foopy) with { Revisions = new(StringComparer.Ordinal) { ["tools"] = heads["tools"] }, LastOutcome = HostOutcome.Ok }, CancellationToken.None);
    }

    /// <summary><c>!deploy now</c> for <paramref name="hosts"/>, through the one door; returns the started rollout.</summary>
    public async Task<RolloutRecord> DeployAsync(string by, params string[] hosts)
    {
        var door = Services.GetRequiredService<Deployer.Policy.RolloutDoor>();
        var answer = await door.RequestAsync(new RolloutRequest { Trigger = RolloutTrigger.DeployNow, RequestedBy = by, Hosts = hosts }, CancellationToken.None);
        Assert.True(answer.Started, Bot.Announcements.PolicyText.Line(answer.Decision, TimeZoneInfo.Utc));
        return answer.Rollout!;
    }

    /// <summary>Rewrites a repo's stored state, e.g. to date its last push or poll back.</summary>
    public async Task EditRepoStateAsync(string repo, Func<RepoState, RepoState> edit)
    {
        var store = Services.GetRequiredService<IRepoStore>();
        await store.SaveStateAsync(edit((await store.GetStateAsync(repo, CancellationToken.None))!), CancellationToken.None);
    }

    /// <summary>Makes <c>{basedir}/gate</c> a fifo: the foopy's gate step blocks on it until <see cref="OpenGateAsync"/>.</summary>
    public Task CloseGateAsync(string host) => Deployer.Tests.Fixtures.Shell.MakeFifoAsync(Path.Combine(Basedir(host), "gate"));

    /// <summary>Writes one line into the fifo; opening it waits for the step to read, so this is the signal itself.</summary>
    public Task OpenGateAsync(string host) =>
        File.WriteAllTextAsync(Path.Combine(Basedir(host), "gate"), "go\n").WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Commits to a demo upstream and polls it, as a push and its hook would; returns the new head.</summary>
    public async Task<string> PushAsync(string repo, string message)
    {
        var up = Upstream(repo);
        await File.AppendAllTextAsync(Path.Combine(up, "README"), message + "\n");
        await Deployer.Tests.Fixtures.Shell.GitAsync(up, "-c", "user.name=Alice", "-c", "user.email=alice@example.com", "commit", "-q", "-am", message);
        var head = await Deployer.Tests.Fixtures.Shell.RevParseAsync(up);
        var polled = await Watcher.PollNowAsync(repo).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(head, polled.Head);
        return head;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* a git process may still hold a file; the temp dir is cleaned eventually */ }
    }
}
