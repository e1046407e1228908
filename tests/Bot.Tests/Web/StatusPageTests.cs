using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ChatOpsReconfig.Bot.Tests.Web;

/// <summary>Debian's chromium, headless, driven by Playwright (no browser download); one per test class.</summary>
public sealed class Browser : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Instance { get; private set; } = null!;

    /// <summary>Screenshots go here: the test results directory, kept as an artifact.</summary>
    public static string Screenshots
    {
        get
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "ChatOpsReconfig.sln"))) root = root.Parent;
            var dir = Path.Combine(root?.FullName ?? Path.GetTempPath(), "TestResults", "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./test.sh installs the Debian package chromium");
        _playwright = await Playwright.CreateAsync();
        // Expectations retry until this bound (default 5 s): generous, for a loaded CI machine.
        Assertions.SetDefaultExpectTimeout(60_000);
        // --no-sandbox: the tests may run as root, where chromium refuses its sandbox.
        Instance = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        await Instance.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>The status page in a real browser against the real bot: matrix cells, filters, live progress, results.</summary>
public sealed class StatusPageTests(Browser browser) : IClassFixture<Browser>
{
    private static readonly LocatorAssertionsToContainTextOptions Wait = new() { Timeout = 60_000 };

    [Fact]
    public async Task MatrixTellsLaggingFailedAndUnreachableHostsApartByTextAndClass()
    {
        await using var bot = await WebBot.StartAsync();
        await bot.SeedMixedFleetAsync();
        var page = await NewPageAsync();
        try
        {
            await page.GotoAsync(bot.Url + "/");
            await AssertRowAsync(page, "bm01", "behind", "behind");
            await AssertRowAsync(page, "bm02", "failed", "failed");
            await AssertRowAsync(page, "bm03", "unreachable", "unreachable");
            await AssertRowAsync(page, "foopy01", "insync", "in sync");

            // A lagging cell says so in words, not only in colour; an in-sync one shows the revision alone.
            var lagging = page.Locator("#host-bm01 td.cell").Last;
            await Assertions.Expect(lagging).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bbehind\b"));
            await Assertions.Expect(lagging).ToContainTextAsync("behind");
            var synced = page.Locator("#host-foopy01 td.cell").Last;
            await Assertions.Expect(synced).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\binsync\b"));
            await Assertions.Expect(synced).ToHaveTextAsync((await bot.HeadsAsync())["tools"][..8]);
            await Assertions.Expect(page.Locator("#host-bm02")).ToContainTextAsync("checkconfig: exit 1: checkconfig failed");
            await Assertions.Expect(page.Locator("#summary")).ToHaveTextAsync("5 hosts: 2 in sync, 1 behind, 1 failed, 1 unreachable");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.Screenshots, "matrix.png"), FullPage = true });

            // The filter submits itself on change (and works as a plain form without JavaScript).
            await page.SelectOptionAsync("select[name=state]", "failed");
            // The URL, not the load event: the page's event stream may keep a busy machine's load pending.
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/\?role=&state=failed$"), new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("#matrix tbody tr")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#matrix tbody tr th")).ToHaveTextAsync("bm02");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.Screenshots, "matrix-filtered.png"), FullPage = true });
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task LiveProgressArrivesDuringARolloutAndItsResultsOpenOnAClick()
    {
        await using var bot = await WebBot.StartAsync();
        var page = await NewPageAsync();
        try
        {
            await page.GotoAsync(bot.Url + "/");
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("no rollout running");

            await bot.CloseGateAsync("foopy01");
            var started = await bot.DeployAsync("alice", "foopy01");
            var id = started.Id;

            // foopy01 is blocked in its gate step: what the page shows now came over the event stream, mid-rollout.
            await Assertions.Expect(page.Locator("#live")).ToContainTextAsync($"rollout #{id}: foopy01 cleanup ok", Wait);
            await Assertions.Expect(page.Locator("#live")).ToHaveClassAsync("live running");
            Assert.NotNull(bot.Coordinator.Current);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.Screenshots, "live-progress.png"), FullPage = true });

            await bot.OpenGateAsync("foopy01");
            await Assertions.Expect(page.Locator("#live")).ToContainTextAsync($"rollout #{id} succeeded", Wait);

            await page.GotoAsync(bot.Url + "/");
            await page.Locator("#rollouts").GetByRole(AriaRole.Link, new() { Name = $"#{id}", Exact = true }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/rollouts/{id}$"), new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("#result-foopy01 .outcome")).ToHaveTextAsync("ok");
            await page.Locator("#result-foopy01 summary", new() { HasText = "gate: ok" }).ClickAsync();
            await Assertions.Expect(page.Locator("#result-foopy01 details[open] summary")).ToContainTextAsync("gate: ok");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.Screenshots, "rollout-results.png"), FullPage = true });
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>
    /// A host whose rollout was cancelled after its update step (updated, not reconfigured) shows as partial, with the
    /// same generic rendering as every other state. The store is written the way the runner leaves it.
    /// </summary>
    [Fact]
    public async Task PartialHostShowsAsPartial()
    {
        await using var bot = await WebBot.StartAsync();
        var heads = await bot.HeadsAsync();
        var rollout = await bot.Store.InsertAsync(new RolloutRecord { State = RolloutState.Cancelled, StartedBy = "alice", Hosts = ["foopy02"], Revisions = new(heads, StringComparer.Ordinal) }, CancellationToken.None);
        var result = new HostResult
        {
            Id = HostResult.MakeId(rollout, "foopy02"), RolloutId = rollout, Host = "foopy02", Role = "foopy", Outcome = HostOutcome.Cancelled,
            Steps = [new StepResult { Name = "update", Status = StepStatus.Ok, ExitCode = 0 }],
        };
        await bot.Store.SaveHostAsync(result, CancellationToken.None);
        var partial = PartialRun.Of(result, bot.Services.GetRequiredService<Deployer.Fleet.FleetConfig>().Roles["foopy"]);
        Assert.True(partial);
        await bot.Store.SaveHostStateAsync((await bot.Store.GetHostStateAsync("foopy02", CancellationToken.None))! with
        {
            Revisions = new(StringComparer.Ordinal) { ["tools"] = heads["tools"] }, LastOutcome = HostOutcome.Cancelled, LastRolloutId = rollout,
            LastFailedStep = "cleanup", Partial = partial,
        }, CancellationToken.None);
        var page = await NewPageAsync();
        try
        {
            await page.GotoAsync(bot.Url + "/");
            await AssertRowAsync(page, "foopy02", "partial", "partial");
            await Assertions.Expect(page.Locator("#host-foopy02")).ToContainTextAsync($"updated, not reconfigured: rollout #{rollout} stopped at cleanup");
            await AssertRowAsync(page, "foopy01", "behind", "behind");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.Screenshots, "partial.png"), FullPage = true });
        }
        finally
        {
            await page.CloseAsync();
        }

        using var status = System.Text.Json.JsonDocument.Parse(await bot.Http.GetStringAsync("/api/status"));
        var row = status.RootElement.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("name").GetString() == "foopy02");
        Assert.Equal("partial", row.GetProperty("state").GetString());
        Assert.Contains("chatops_host_in_sync{host=\"foopy02\",role=\"foopy\"} 0", await bot.Http.GetStringAsync("/metrics"));
    }

    private async Task<IPage> NewPageAsync()
    {
        var page = await browser.Instance.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout(60_000);
        page.SetDefaultNavigationTimeout(60_000);
        return page;
    }

    private static async Task AssertRowAsync(IPage page, string host, string state, string label)
    {
        var cell = page.Locator($"#host-{host} td.state");
        await Assertions.Expect(cell).ToHaveTextAsync(label);
        await Assertions.Expect(cell).ToHaveClassAsync($"state state-{state}");
        await Assertions.Expect(page.Locator($"#host-{host}")).ToHaveClassAsync($"host state-{state}");
    }
}
