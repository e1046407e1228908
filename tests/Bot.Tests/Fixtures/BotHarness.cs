using System.Diagnostics;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Console;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Demo;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Bot.Tests.Fixtures;

/// <summary>
/// The bot's real services (AddBot) on a copy of the demo fleet in a temp directory, with a fake clock. Tests say
/// things through the real router, poll repos, tick the policy loop and read what the bot posted. No timers run by
/// themselves: time moves when the test advances it.
/// </summary>
public sealed class BotHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly TextWriter _output;
    private readonly OutboxSender _sender;
    private readonly AnnouncementService _announcements;

    private BotHarness(string dir, FakeTimeProvider time, ServiceProvider services, TextWriter output)
    {
        _output = output;
        Directory = dir;
        Time = time;
        _services = services;
        _sender = services.GetRequiredService<OutboxSender>();
        _announcements = services.GetRequiredService<AnnouncementService>();
    }

    public string Directory { get; }

    public FakeTimeProvider Time { get; }

    public FleetConfig Fleet => _services.GetRequiredService<FleetConfig>();

    internal AutoDeployLoop Loop => _services.GetRequiredService<AutoDeployLoop>();

    public RolloutCoordinator Coordinator => _services.GetRequiredService<RolloutCoordinator>();

    public IRolloutStore Rollouts => _services.GetRequiredService<IRolloutStore>();

    public RepoWatcher Watcher => _services.GetRequiredService<RepoWatcher>();

    internal RolloutDoor Door => _services.GetRequiredService<RolloutDoor>();

    public IDoorLog DoorLog => _services.GetRequiredService<IDoorLog>();

    internal PolicyStatus PolicyStatus => _services.GetRequiredService<PolicyStatus>();

    /// <summary>Any of the bot's services (feature tests drive their own workers).</summary>
    internal T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <summary>Reads the hosts' revisions into the store now (as the start-up probe and <c>status --live</c> do).</summary>
    public async Task ProbeAsync(params string[] hosts)
    {
        await _services.GetServices<IHostedService>().OfType<BotStartup>().Single().InitialProbe;
        await _services.GetRequiredService<Deployer.Status.LiveProbe>().ProbeAsync(Fleet.Hosts.Where(h => hosts.Length == 0 || hosts.Contains(h.Name)), CancellationToken.None);
    }

    /// <summary>The revision a host's working copy of a repo is checked out at, on disk.</summary>
    public string OnDisk(string host, string repo) => Git(HostRepo(host, repo), "rev-parse", "HEAD");

    public string UpstreamHead(string repo) => Git(Upstream(repo), "rev-parse", "HEAD");

    public string Upstream(string repo) => Path.Combine(Directory, "data", "demo", "upstream", repo);

    public string HostRepo(string host, string repo) => Path.Combine(Directory, "data", "demo", "hosts", host, repo);

    /// <summary>One of the bot's services, for tests that feed a path directly.</summary>
    internal T Service<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>Everything the bot has posted (delivered from the outbox) so far.</summary>
    public string Posted => _output.ToString() ?? "";

    public static string NewDirectory(Action<JsonObject>? edit = null)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("chatops-harness-").FullName;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ChatOpsReconfig.sln"))) root = root.Parent;
        var text = File.ReadAllText(Path.Combine(root!.FullName, "config", "chatops.json"));
        var json = JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        json["permissions"] = new JsonObject { ["deployers"] = new JsonArray("alice", "bob", "you"), ["admins"] = new JsonArray("root") };
        edit?.Invoke(json);
        File.WriteAllText(Path.Combine(dir, "chatops.json"), json.ToJsonString());
        CopyDemoTemplate(dir);
        return dir;
    }

    private static readonly Lazy<string> Template = new(() =>
    {
        // Seeding the demo (git init, commits, 11 clones) once per test run, then copying it, keeps each test fast.
        var dir = System.IO.Directory.CreateTempSubdirectory("chatops-harness-template-").FullName;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ChatOpsReconfig.sln"))) root = root.Parent;
        File.Copy(Path.Combine(root!.FullName, "config", "chatops.json"), Path.Combine(dir, "chatops.json"));
        var fleet = FleetConfigLoader.Load(Path.Combine(dir, "chatops.json"), BotOptions.SectionNames, dir);
        new DemoFleetSeeder(fleet, TimeProvider.System).SeedAsync(CancellationToken.None).GetAwaiter().GetResult();

        // Relative origins (from data/demo/hosts/HOST/REPO), so each copy pulls from its own upstreams as it is: no git
        // run per clone and test. Auto maintenance off: after every fetch, checkout and commit it starts one more git
        // that has nothing to do in repos this small.
        foreach (var upstream in System.IO.Directory.GetDirectories(Path.Combine(dir, "data", "demo", "upstream")))
            Git(upstream, "config", "maintenance.auto", "false");
        foreach (var host in System.IO.Directory.GetDirectories(Path.Combine(dir, "data", "demo", "hosts")))
        {
            foreach (var clone in System.IO.Directory.GetDirectories(host))
            {
                Git(clone, "remote", "set-url", "origin", $"../../../upstream/{Path.GetFileName(clone)}");
                Git(clone, "config", "maintenance.auto", "false");
            }
        }

        return dir;
    });

    private static void CopyDemoTemplate(string dir)
    {
        var copy = Process.Start("cp", ["-a", Path.Combine(Template.Value, "data"), Path.Combine(dir, "data")])!;
        copy.WaitForExit();
    }

    /// <summary>
    /// Opens the bot on <paramref name="dir"/> (seeding the demo fleet the first time) with the clock at <paramref name="now"/>;
    /// the console transport prints to <paramref name="chat"/> (a <see cref="FlakyChatOutput"/> takes chat down), else to <see cref="Posted"/>.
    /// </summary>
    public static async Task<BotHarness> StartAsync(string dir, DateTimeOffset now, TextWriter? chat = null)
    {
        var fleet = FleetConfigLoader.Load(Path.Combine(dir, "chatops.json"), BotOptions.SectionNames, dir);
        var options = BotOptions.From(fleet);
        var time = new FakeTimeProvider(now);
        var output = chat ?? new StringWriter();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IHostApplicationLifetime, StubLifetime>();
        services.AddBot(fleet, options);
        services.AddSingleton<IChatTransport>(new ConsoleChatTransport(options.Chat, new StringReader(""), output));
        var provider = services.BuildServiceProvider();
        var harness = new BotHarness(dir, time, provider, output);
        await provider.GetServices<IHostedService>().OfType<BotStartup>().Single().StartAsync(CancellationToken.None);
        await provider.GetRequiredService<AnnouncementService>().StartAsync(CancellationToken.None);
        return harness;
    }

    public async Task<string> SayAsync(string user, string text)
    {
        var router = _services.GetRequiredService<CommandRouter>();
        var reply = await router.HandleAsync(new ChatMessage("releng", user, user, [], text), CancellationToken.None);
        return reply?.Text ?? "";
    }

    /// <summary>Polls every repo now, as the watcher's timers or a webhook would.</summary>
    public async Task PollAllAsync()
    {
        foreach (var repo in Fleet.Repos.Keys)
        {
            var result = await Watcher.PollNowAsync(repo);
            if (result.Outcome == PollOutcome.Failed) throw new InvalidOperationException($"poll of {repo} failed: {result.Error}");
        }
    }

    /// <summary>Lets queued events become outbox entries and delivers them.</summary>
    public async Task DeliverAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _announcements.WhenIdleAsync(bound.Token);
        await _sender.FlushAsync(CancellationToken.None);
    }

    public async Task<PolicyDecision> TickAsync()
    {
        var decision = await Loop.TickAsync(CancellationToken.None);
        await Coordinator.WhenIdleAsync();
        await DeliverAsync();
        return decision;
    }

    /// <summary>Commits a change to an upstream repo's production branch; returns the new head.</summary>
    public string Push(string repo, string message)
    {
        var dir = Upstream(repo);
        File.AppendAllText(Path.Combine(dir, "README"), message + "\n");
        Git(dir, "commit", "-q", "-am", message);
        return Git(dir, "rev-parse", "HEAD");
    }

    /// <summary>Runs git in a directory and returns its trimmed stdout; <c>rev-parse HEAD</c> of a plain working copy is read from its files (<see cref="Deployer.Tests.Fixtures.Shell.GitWorkingHead"/>).</summary>
    public static string Git(string cwd, params string[] args)
    {
        if (args is ["rev-parse", "HEAD"] && Deployer.Tests.Fixtures.Shell.GitWorkingHead(cwd) is { } head) return head;
        var psi = new ProcessStartInfo("git") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["GIT_AUTHOR_NAME"] = "Alice Releng";
        psi.Environment["GIT_AUTHOR_EMAIL"] = "alice@example.com";
        psi.Environment["GIT_COMMITTER_NAME"] = "Alice Releng";
        psi.Environment["GIT_COMMITTER_EMAIL"] = "alice@example.com";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)}: {error}");
        return output.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await Coordinator.WhenIdleAsync();
        await _announcements.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }

    private sealed class StubLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
