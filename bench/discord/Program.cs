using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Tests.Chat.Discord;

// A 429 storm: the published chatops (chat.transport = discord) against the fake Discord, which answers 429 with
// retry_after 0.5 s to every third REST request. 200 commands arrive on the gateway at once; their 200 replies go
// through the outbox. Measured: the time from the first command to the 200th reply on the fake, against the least
// time the 429s allow (each one costs its retry_after; nothing else is limited), order, losses and duplicates.
const int Count = 200;
const double RetryAfter = 0.5;
var keep = args.Contains("--keep");

var root = Path.GetFullPath(typeof(Marker).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!);
var work = Directory.CreateTempSubdirectory("chatops-discord-bench-").FullName;
// --chatops PATH runs an already published chatops (bench/README.md); by default the bench publishes one.
var given = Array.IndexOf(args, "--chatops");
var chatops = given >= 0 ? Path.GetFullPath(args[given + 1]) : await PublishAsync(root, work);

await using var fake = await FakeDiscord.StartAsync("bench.fake.token");
fake.BucketLimit = 1000; // the 429s are the only limit: the minimum is theirs alone
File.WriteAllText(Path.Combine(work, "token"), fake.Token + "\n");
var config = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "config", "chatops.json")), null, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
config["chat"] = new JsonObject
{
    ["transport"] = "discord",
    ["discord"] = new JsonObject
    {
        ["tokenEnv"] = "CHATOPS_BENCH_UNSET",
        ["tokenFile"] = Path.Combine(work, "token"),
        ["apiBase"] = fake.ApiBase,
        ["guildId"] = FakeDiscord.GuildId,
        ["channelId"] = FakeDiscord.ChannelId,
    },
};
config["web"] = new JsonObject { ["enabled"] = false };
config["policy"] = new JsonObject { ["quietMinutes"] = 600 }; // no demo rollout announcing during the storm
File.WriteAllText(Path.Combine(work, "chatops.json"), config.ToJsonString());

var start = new ProcessStartInfo(chatops) { WorkingDirectory = work, RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
foreach (var a in new[] { "run", "--config", "chatops.json" }) start.ArgumentList.Add(a);
using var bot = Process.Start(start)!;
var stderr = bot.StandardError.ReadToEndAsync();
try
{
    var connection = await fake.NextConnectionAsync(TimeSpan.FromMinutes(3)); // the demo's first start seeds its repos
    await connection.HandshakeAsync();
    // Let the start-up messages (greeting, repos watched) and command registration finish before the storm.
    var settled = 0;
    while (settled < 3)
    {
        var before = fake.Calls.Count;
        await Task.Delay(1000);
        settled = fake.Calls.Count == before ? settled + 1 : 0;
    }

    var postedBefore = fake.Posted.Count;
    var callsBefore = fake.Calls.Count;
    var invalidBefore = fake.InvalidRequests;
    fake.StormRetryAfter = RetryAfter;
    fake.RateLimitEvery = 3;
    var clock = Stopwatch.StartNew();
    for (var i = 1; i <= Count; i++) await connection.DispatchAsync("MESSAGE_CREATE", fake.NewMessage($"!storm{i}"));
    var deadline = DateTime.UtcNow.AddMinutes(5);
    while (fake.Posted.Count - postedBefore < Count && DateTime.UtcNow < deadline) await Task.Delay(5);
    var elapsed = clock.Elapsed;

    var replies = fake.Posted.Skip(postedBefore).ToList();
    var numbers = replies.Select(r => System.Text.RegularExpressions.Regex.Match(r, @"!storm(\d+)")).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();
    var storm429 = fake.InvalidRequests - invalidBefore;
    var posts = fake.Calls.Skip(callsBefore).Count(c => c.Route == "POST /channels/{id}/messages");
    var minimum = TimeSpan.FromSeconds(storm429 * RetryAfter);
    Console.WriteLine($"replies delivered    {replies.Count} of {Count}");
    Console.WriteLine($"in order, once       {numbers.SequenceEqual(Enumerable.Range(1, Count))}");
    Console.WriteLine($"requests             {posts} POSTs, {storm429} answered 429 (retry_after {RetryAfter} s), {fake.EarlyRequests} sent before a 429's wait was over");
    Console.WriteLine($"total                {elapsed.TotalSeconds:0.00} s");
    Console.WriteLine($"minimum (429 waits)  {minimum.TotalSeconds:0.00} s");
    Console.WriteLine($"ratio                {elapsed / minimum:0.000}");
}
finally
{
    // SIGTERM, as systemd stops the bot.
    using (var term = Process.Start("kill", ["-TERM", bot.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
    if (!bot.WaitForExit(20_000)) bot.Kill(entireProcessTree: true);
    if (args.Contains("--stderr")) Console.Error.WriteLine(await stderr);
    if (!keep) Directory.Delete(work, recursive: true);
}

static async Task<string> PublishAsync(string root, string work)
{
    var target = Path.Combine(work, "chatops");
    Console.WriteLine($"publishing chatops (Release, ReadyToRun, as installed) to {target} …");
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in new[] { "publish", Path.Combine(root, "src", "Bot", "Bot.csproj"), "-c", "Release", "-o", target, "--nologo", "-v", "q" }) start.ArgumentList.Add(a);
    using var process = Process.Start(start)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet publish failed:\n{await stdout}\n{await stderr}");
    return Path.Combine(target, "chatops");
}

internal sealed class Marker;
