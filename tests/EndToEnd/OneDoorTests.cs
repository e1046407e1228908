using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

/// <summary>
/// The real <c>chatops</c> process: every way into a rollout goes through one door, nothing moves a host backward
/// unless someone asked for a rollback, and a host stopped between update and reconfig is partial until completed.
/// </summary>
public sealed class OneDoorTests : IDisposable
{
    private static readonly string[] Hosts = ["bm01", "bm02", "bm03", "foopy01", "foopy02"];
    private readonly string _dir = BotProcess.PrepareDirectory();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* best effort */ }
    }

    private string Upstream(string repo) => Path.Combine(_dir, "data", "demo", "upstream", repo);

    private string OnHost(string host, string repo) => BotProcess.Git(Path.Combine(_dir, "data", "demo", "hosts", host, repo), "rev-parse", "HEAD");

    /// <summary>
    /// The trial that found the bug: run the bot (baseline), commit to tools, <c>chatops deploy --yes</c>, run the bot
    /// again. It used to roll every host's tools back to the old head at once, without a quiet window.
    /// </summary>
    [Fact]
    public async Task CliDeployThenRestart_NothingMovesBackward_CliRolloutAnnouncedAfterTheGreeting()
    {
        await using (var first = BotProcess.Start(_dir))
        {
            await first.WaitForAsync("watching tools production at");
            first.CloseInput();
            Assert.Equal(0, await first.WaitForExitAsync());
        }

        BotProcess.Git(Upstream("tools"), "commit", "-q", "--allow-empty", "-m", "Bug 2222222 - new tools");
        var head = BotProcess.Git(Upstream("tools"), "rev-parse", "HEAD");

        await using (var deploy = BotProcess.Start(_dir, "deploy", "--yes"))
        {
            Assert.Equal(0, await deploy.WaitForExitAsync(120));
            Assert.Contains(deploy.Lines, l => l.Contains($"tools {head[..12]} (1 commit)", StringComparison.Ordinal));
        }

        Assert.All(Hosts, h => Assert.Equal(head, OnHost(h, "tools")));

        await using var bot = BotProcess.Start(_dir);
        var (_, greeting) = await bot.WaitForAsync("ChatOpsReconfig is here");
        var (_, merge) = await bot.WaitForAsync("tools production: 1 commit by Test Releng — Bug 2222222", greeting);
        var (_, started) = await bot.WaitForAsync("rollout #1 started by", merge);
        await bot.WaitForAsync("OK: rollout #1 succeeded", started);

        // The policy's first answer after the first polls: nothing to deploy, and nothing was started.
        await bot.WaitForLogAsync("Policy: start False, blocker NothingToDeploy");
        await bot.SayAsync("!history");
        await bot.WaitForAsync(l => l.StartsWith($"[#releng] 1  ", StringComparison.Ordinal) && l.Contains(Environment.UserName, StringComparison.Ordinal) && l.Contains("succeeded", StringComparison.Ordinal));
        Assert.DoesNotContain(bot.Lines, l => l.Contains("rollout #2", StringComparison.Ordinal));
        Assert.All(Hosts, h => Assert.Equal(head, OnHost(h, "tools")));
        Assert.Single(bot.Lines, l => l.Contains("tools production: 1 commit by Test Releng — Bug 2222222", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kill9BetweenUpdateAndReconfig_HostIsPartial_NextRolloutCompletesIt()
    {
        var dir = BotProcess.PrepareDirectory(json =>
        {
            json["policy"] = new System.Text.Json.Nodes.JsonObject { ["autoResumeInterrupted"] = false };
            var check = json["roles"]!["master"]!["steps"]![1]!;
            check["command"] = "touch {basedir}/checking && while [ ! -e {basedir}/go ]; do sleep 0.05; done && " + check["command"]!.GetValue<string>();
        });
        try
        {
            await using (var bot = BotProcess.Start(dir))
            {
                await bot.WaitForAsync("ChatOpsReconfig is here");
                await bot.SayAsync("!deploy now");
                var checking = Path.Combine(dir, "data", "demo", "hosts", "bm01", "checking");
                await bot.WaitForAsync("rollout #1 started by");
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                while (!File.Exists(checking)) await Task.Delay(20, cts.Token); // the step says it reached checkconfig
                bot.Kill();
            }

            foreach (var host in new[] { "bm01", "bm02", "bm03" }) File.WriteAllText(Path.Combine(dir, "data", "demo", "hosts", host, "go"), "");

            await using var restarted = BotProcess.Start(dir);
            await restarted.WaitForAsync("INTERRUPTED: rollout #1");
            var before = restarted.Lines.Count;
            await restarted.SayAsync("!status bm01");
            await restarted.WaitForAsync("bm01 (master, local): partial — updated, not reconfigured: rollout #1 stopped at checkconfig", before);
            await restarted.SayAsync("!status");
            await restarted.WaitForAsync(l => l.Contains("5 hosts:", StringComparison.Ordinal) && l.Contains("1 partial", StringComparison.Ordinal), before);

            await restarted.SayAsync("!deploy now");
            var (_, s) = await restarted.WaitForAsync("rollout #2 started by you (deploy now)", before);
            await restarted.WaitForAsync("rollout #2 succeeded", s, timeoutSeconds: 120);
            before = restarted.Lines.Count;
            await restarted.SayAsync("!status");
            await restarted.WaitForAsync("5 hosts: all in sync", before);
            Assert.True(File.Exists(Path.Combine(dir, "data", "demo", "hosts", "bm01", "last-reconfig")));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* best effort */ }
        }
    }

    [Fact]
    public async Task CliPlanRollbackAndRefusal_ThroughTheSameDoor()
    {
        var tools = Upstream("tools");
        await using (var plan = BotProcess.Start(_dir, "deploy", "--plan"))
        {
            Assert.Equal(0, await plan.WaitForExitAsync(120));
            Assert.Contains(plan.Lines, l => l.StartsWith("plan: roll out to 5 host(s), canary bm01 first", StringComparison.Ordinal));
            Assert.Contains(plan.Lines, l => l.StartsWith("policy: would start now: deploying now", StringComparison.Ordinal));
        }

        Assert.NotEqual(BotProcess.Git(tools, "rev-parse", "HEAD"), OnHost("bm01", "tools")); // --plan touched nothing

        await using (var deploy = BotProcess.Start(_dir, "deploy", "--yes")) Assert.Equal(0, await deploy.WaitForExitAsync(120));
        var first = BotProcess.Git(tools, "rev-parse", "HEAD");
        BotProcess.Git(tools, "commit", "-q", "--allow-empty", "-m", "Bug 3333333 - tools v2");
        await using (var deploy = BotProcess.Start(_dir, "deploy", "--yes")) Assert.Equal(0, await deploy.WaitForExitAsync(120));
        Assert.All(Hosts, h => Assert.NotEqual(first, OnHost(h, "tools")));

        await using (var again = BotProcess.Start(_dir, "deploy", "--yes"))
        {
            Assert.Equal(0, await again.WaitForExitAsync(120));
            Assert.Contains(again.Lines, l => l.Contains("nothing to deploy: every targeted host already runs the set (5 hosts); --again runs the steps again", StringComparison.Ordinal));
        }

        await using (var rollback = BotProcess.Start(_dir, "rollback", "--to", "1", "--yes"))
        {
            Assert.Equal(0, await rollback.WaitForExitAsync(120));
            Assert.Contains(rollback.Lines, l => l.StartsWith("plan: ROLLBACK to the set of rollout #1 to 5 host(s)", StringComparison.Ordinal));
        }

        Assert.All(Hosts, h => Assert.Equal(first, OnHost(h, "tools")));

        // The rollback holds: the emergency path asks the same door, and the hold is named.
        BotProcess.Git(tools, "commit", "-q", "--allow-empty", "-m", "Bug 4444444 - tools v3");
        await using (var held = BotProcess.Start(_dir, "deploy", "--yes"))
        {
            Assert.Equal(3, await held.WaitForExitAsync(120));
            Assert.Contains("not deploying: rollback holds the lock until released", held.Stderr, StringComparison.Ordinal);
        }

        Assert.All(Hosts, h => Assert.Equal(first, OnHost(h, "tools")));
        await using (var forced = BotProcess.Start(_dir, "deploy", "--yes", "--force")) Assert.Equal(0, await forced.WaitForExitAsync(120));
        Assert.All(Hosts, h => Assert.Equal(BotProcess.Git(tools, "rev-parse", "HEAD"), OnHost(h, "tools")));

        // Every request above went through the door and was recorded with its decision (plans are not requests).
        using var store = new Deployer.Store.StoreDatabase(Path.Combine(_dir, "data", "chatops.db"), readOnly: true);
        var log = (await new Deployer.Store.DoorLog(store).LatestAsync(10, CancellationToken.None)).Reverse().Select(e => (e.Trigger, e.Started, e.Blocker, e.Force, e.RolloutId)).ToList();
        Assert.Equal(
        [
            (RolloutTrigger.Cli, true, PolicyBlocker.None, false, 1),
            (RolloutTrigger.Cli, true, PolicyBlocker.None, false, 2),
            (RolloutTrigger.Cli, false, PolicyBlocker.NothingToDeploy, false, null),
            (RolloutTrigger.Rollback, true, PolicyBlocker.None, false, 3),
            (RolloutTrigger.Cli, false, PolicyBlocker.Hold, false, null),
            (RolloutTrigger.Cli, true, PolicyBlocker.None, true, (int?)4),
        ], log);
    }
}
