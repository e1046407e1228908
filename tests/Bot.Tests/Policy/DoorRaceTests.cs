using System.Net;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Bot.Tests.Policy;

/// <summary>
/// A push recorded while the door is deciding (here: while it waits for buildbot-configs' CI answer, after it read the
/// heads) is not left out of the rollout that decision starts. The whole-story end-to-end test once saw tools deployed
/// one commit short: the hold went after tools' push was announced, but the tick had read the heads before.
/// </summary>
public sealed class DoorRaceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
    private readonly GatedCi _ci = new();
    private string _dir = "";
    private BotHarness _bot = null!;

    public async Task InitializeAsync()
    {
        _ci.Start();
        _dir = BotHarness.NewDirectory(json => json["repos"]!["buildbot-configs"]!["ciUrl"] = _ci.Url + "/status/{rev}");
        _bot = await BotHarness.StartAsync(_dir, T0);
        await _bot.PollAllAsync();
        await _bot.ProbeAsync();
        await _bot.DeliverAsync();
    }

    public async Task DisposeAsync()
    {
        _ci.Open();
        await _bot.DisposeAsync();
        await _ci.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PushRecordedWhileDeciding_DecidedAgain_NoRolloutOfTheOldHead()
    {
        _bot.Push("buildbot-configs", "Bug 1040013 - configs half");
        await _bot.PollAllAsync();
        _bot.Time.Advance(TimeSpan.FromMinutes(6));

        var tick = _bot.TickAsync();
        await _ci.Asked.Task.WaitAsync(TimeSpan.FromSeconds(60)); // the heads are read; the holds are not yet
        var tools = _bot.Push("tools", "Bug 1040013 - tools half");
        await _bot.PollAllAsync();
        _ci.Open();
        var decision = await tick.WaitAsync(TimeSpan.FromSeconds(60));

        // Decided again on the new heads: tools just moved, so the quiet window holds the whole set.
        Assert.False(decision.Start, Bot.Announcements.PolicyText.Line(decision, TimeZoneInfo.Utc));
        Assert.Equal(PolicyBlocker.Quiet, decision.Blocker);
        Assert.Empty(await _bot.Rollouts.LatestAsync(1, CancellationToken.None));

        _bot.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.True((await _bot.TickAsync()).Start);
        var rollout = (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal(tools, rollout.Revisions["tools"]);
    }

    /// <summary>A CI status endpoint that answers success once opened, and says when it was first asked.</summary>
    private sealed class GatedCi : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _loop = Task.CompletedTask;

        public string Url { get; private set; } = "";

        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Start()
        {
            Url = $"http://127.0.0.1:{Deployer.Tests.Fixtures.SshdFixture.FreePort()}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public void Open() => _open.TrySetResult();

        private async Task LoopAsync()
        {
            while (true)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    Asked.TrySetResult();
                    await _open.Task;
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync("{\"state\":\"success\"}"u8.ToArray());
                    context.Response.Close();
                });
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Close();
            await _loop;
        }
    }
}
