using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Console;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Tests.Repos;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Tests.Web;

/// <summary>
/// The whole bot in-process on real Kestrel (a free loopback port), watching real git and hg upstreams in a temp
/// directory with a poll interval of an hour, so anything announced after the baseline came from a hook. Chat lines
/// and log messages are captured; the config is a file loaded the way <c>chatops</c> loads it.
/// </summary>
public sealed class HookedBot : IAsyncDisposable
{
    public const string GitRepo = "app";
    public const string HgRepo = "hgapp";
    public const string Secret = "correct horse battery staple";

    private readonly string _root;
    private readonly WebApplication _app;
    private readonly ChatLines _chat;

    private HookedBot(string root, WebApplication app, ChatLines chat, CapturedLogs logs, Upstream? git, Upstream? hg)
    {
        _root = root;
        _app = app;
        _chat = chat;
        Logs = logs;
        Git = git;
        Hg = hg;
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public CapturedLogs Logs { get; }

    public Upstream? Git { get; }

    public Upstream? Hg { get; }

    public string SecretFile => Path.Combine(_root, "hook-secret");

    public IReadOnlyList<string> Lines => _chat.Lines;

    public RepoWatcher Watcher => _app.Services.GetRequiredService<RepoWatcher>();

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a bot watching a git repo and/or an hg repo; returns once both baselines are announced.</summary>
    public static async Task<HookedBot> StartAsync(bool git = true, bool hg = false, bool signed = true, Action<IServiceCollection>? configure = null)
    {
        var root = Directory.CreateTempSubdirectory("chatops-hooks-").FullName;
        var gitUpstream = git ? Upstream.Create(RepoKind.Git, Path.Combine(root, "git"), UpstreamTemplates.Shared) : null;
        var hgUpstream = hg ? Upstream.Create(RepoKind.Hg, Path.Combine(root, "hg"), UpstreamTemplates.Shared) : null;
        if (gitUpstream is not null) await gitUpstream.InitAsync();
        if (hgUpstream is not null) await hgUpstream.InitAsync();

        var repos = new JsonObject();
        // A repo that is never polled successfully, so the 404 answers have more than one name to list.
        repos["other"] = Repo("git", Path.Combine(root, "nowhere"));
        if (gitUpstream is not null) repos[GitRepo] = Repo("git", gitUpstream.Url);
        if (hgUpstream is not null) repos[HgRepo] = Repo("hg", hgUpstream.Url);
        var web = new JsonObject { ["url"] = "http://127.0.0.1:0", ["hookSecretEnv"] = "CHATOPS_TEST_HOOK_SECRET_UNSET" };
        if (signed)
        {
            await File.WriteAllTextAsync(Path.Combine(root, "hook-secret"), Secret + "\n");
            web["hookSecretFile"] = Path.Combine(root, "hook-secret");
        }

        var config = new JsonObject
        {
            ["dataDir"] = "data",
            ["chat"] = new JsonObject { ["channel"] = "releng" },
            ["web"] = web,
            ["repos"] = repos,
            ["roles"] = new JsonObject
            {
                ["r"] = new JsonObject
                {
                    ["repos"] = new JsonObject { ["other"] = new JsonObject { ["path"] = "other" } },
                    ["steps"] = new JsonArray(new JsonObject { ["name"] = "update", ["command"] = "true" }),
                },
            },
            ["hosts"] = new JsonArray(new JsonObject { ["name"] = "h1", ["role"] = "r", ["transport"] = "local", ["basedir"] = "h1", ["enabled"] = false }),
        };
        var configPath = Path.Combine(root, "chatops.json");
        await File.WriteAllTextAsync(configPath, config.ToJsonString());

        var (fleet, problems) = FleetConfigLoader.TryLoad(configPath, BotOptions.SectionNames, root);
        Assert.Empty(problems);
        Assert.Empty(BotOptions.Validate(fleet!));
        var options = BotOptions.From(fleet!);

        var chat = new ChatLines();
        var logs = new CapturedLogs();
        var app = BotHost.Build(fleet!, options, services =>
        {
            services.RemoveAll<IChatTransport>();
            services.AddSingleton<IChatTransport>(new ConsoleChatTransport(options.Chat, new SilentReader(), chat));
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ILoggerProvider>(logs);
            services.Configure<LoggerFilterOptions>(o => o.MinLevel = LogLevel.Debug);
            configure?.Invoke(services);
        });
        await app.StartAsync();
        var bot = new HookedBot(root, app, chat, logs, gitUpstream, hgUpstream);
        if (gitUpstream is not null) await bot.WaitForLineAsync($"watching {GitRepo} production at", TimeSpan.FromSeconds(60));
        if (hgUpstream is not null) await bot.WaitForLineAsync($"watching {HgRepo} production at", TimeSpan.FromSeconds(60));
        return bot;

        static JsonObject Repo(string kind, string url) =>
            new() { ["kind"] = kind, ["url"] = url, ["branch"] = Upstream.Branch, ["pollSeconds"] = 3600 };
    }

    /// <summary>Waits for a chat line containing <paramref name="text"/>, after line <paramref name="from"/>; fails with the transcript.</summary>
    public async Task<(string Line, int Index)> WaitForLineAsync(string text, TimeSpan timeout, int from = 0)
    {
        var found = await _chat.WaitAsync(l => l.Contains(text, StringComparison.Ordinal), from, timeout);
        Assert.True(found.Index >= 0, $"no chat line with '{text}' within {timeout.TotalSeconds:0}s.\nchat:\n{string.Join('\n', Lines)}\nlog:\n{string.Join('\n', Logs.Messages)}");
        return found;
    }

    /// <summary>The time of the repo's last finished poll.</summary>
    public async Task<DateTimeOffset?> LastPollAtAsync(string repo) => (await Watcher.GetRepoAsync(repo, CancellationToken.None))?.LastPollAt;

    public Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/json", string? signature = "sign", string? gitHubEvent = "push")
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (signature == "sign") signature = Sign(body);
        if (signature is not null) request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signature);
        if (gitHubEvent is not null) request.Headers.Add("X-GitHub-Event", gitHubEvent);
        return Http.SendAsync(request);
    }

    public static string Sign(string body, string secret = Secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>A GitHub push event for the git upstream, as GitHub would send it.</summary>
    public string GitHubPush(string branch, string after, string? repositoryName = GitRepo, string? cloneUrl = "") =>
        new JsonObject
        {
            ["ref"] = "refs/heads/" + branch,
            ["before"] = new string('0', 40),
            ["after"] = after,
            ["repository"] = new JsonObject
            {
                ["name"] = repositoryName,
                ["full_name"] = "releng/" + repositoryName,
                ["clone_url"] = cloneUrl == "" ? "file://" + Git!.Url + ".git" : cloneUrl,
                ["html_url"] = "https://example.com/releng/" + repositoryName,
            },
            ["pusher"] = new JsonObject { ["name"] = "alice" },
        }.ToJsonString();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { /* a git or hg process may still hold a file; the temp dir is cleaned eventually */ }
    }

    /// <summary>Console input that never says anything, until the bot stops reading.</summary>
    internal sealed class SilentReader : TextReader
    {
        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        }
    }
}

/// <summary>What the console transport writes, split into lines, with a signal for waiters.</summary>
public sealed class ChatLines : TextWriter
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _current = new();
    private readonly SemaphoreSlim _changed = new(0);

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToList(); }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\r') return;
            if (value != '\n')
            {
                _current.Append(value);
                return;
            }

            _lines.Add(_current.ToString());
            _current.Clear();
        }

        _changed.Release();
    }

    /// <summary>The first line from <paramref name="from"/> on that matches, or index -1 after the timeout.</summary>
    public async Task<(string Line, int Index)> WaitAsync(Func<string, bool> match, int from, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = Lines;
            for (var i = from; i < lines.Count; i++)
                if (match(lines[i])) return (lines[i], i);
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return ("", -1);
            await _changed.WaitAsync(left);
        }
    }
}

/// <summary>Every log message of the bot, formatted, with its level and event id.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, int EventId, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, int EventId, string Message)> Entries
    {
        get { lock (_gate) return _entries.ToList(); }
    }

    public IEnumerable<string> Messages => Entries.Select(e => $"{e.Level} {e.EventId} {e.Message}");

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception) + (exception is null ? "" : " " + exception);
            lock (owner._gate) owner._entries.Add((logLevel, eventId.Id, message));
        }
    }
}
