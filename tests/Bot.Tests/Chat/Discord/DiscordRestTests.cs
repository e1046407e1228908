using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Discord;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Tests.Chat.Discord;

public sealed class DiscordRestTests : IAsyncLifetime
{
    private FakeDiscord _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeDiscord.StartAsync(DiscordClient.Token);

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private static CancellationToken None => CancellationToken.None;

    [Fact]
    public async Task Post_SendsWithDiscordHeadersAndMentionsOff_EditReplacesText()
    {
        await using var client = DiscordClient.Start(_fake);

        var posted = await client.Transport.PostAsync(FakeDiscord.ChannelId, "@everyone rollout 12 started by <@613425648685547601>", None);
        await client.Transport.EditAsync(posted, "rollout 12: 3/5 hosts", None);

        Assert.Equal(["rollout 12: 3/5 hosts"], _fake.Posted);
        var sends = _fake.Calls.Where(c => c.Route.Contains("/channels/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, sends.Count);
        foreach (var call in sends)
        {
            Assert.Equal("Bot " + DiscordClient.Token, call.Authorization);
            Assert.Matches(@"^DiscordBot \(https?://[^,]+, [0-9.]+\)", call.UserAgent);
            Assert.StartsWith("application/json", call.ContentType);
            DiscordGatewayTests.AssertNoMentions(call.Body);
        }
    }

    [Fact]
    public async Task Post_LongTable_SplitsUnder2000InCodeBlocksWithoutBreakingARow()
    {
        await using var client = DiscordClient.Start(_fake);
        var table = new TextTable("host", "role", "state", "error");
        for (var i = 0; i < 200; i++) table.Add($"bm{i:000}", "builder", i % 7 == 0 ? "failed" : "ok", i % 7 == 0 ? "exit 1 in hg pull ```" : "");
        var text = "rollout 12 results\n" + string.Join('\n', table.Lines());

        await client.Transport.PostAsync(FakeDiscord.ChannelId, text, None);

        var parts = _fake.Posted;
        Assert.True(parts.Count >= 3, $"{parts.Count} parts");
        Assert.All(parts, p => Assert.InRange(p.Length, 1, 2000));
        Assert.All(parts, p => Assert.Equal(0, CountFences(p) % 2));
        var rows = table.Lines().Skip(2).Select(r => r.Replace("```", "`\u200b``", StringComparison.Ordinal)).ToList();
        var lines = parts.SelectMany(p => p.Split('\n')).ToHashSet();
        Assert.All(rows, r => Assert.Contains(r, lines));
        Assert.StartsWith("rollout 12 results\n```\nhost", parts[0]);
    }

    private static int CountFences(string text) => text.Split('\n').Count(l => l.StartsWith("```", StringComparison.Ordinal));

    [Fact]
    public async Task RateLimit429OnBucket_RetryAfterGivenToOutbox_RetryWaitsForItWhileOtherChannelsGoOn()
    {
        await using var client = DiscordClient.Start(_fake);
        _fake.Next429("POST /channels", retryAfter: 2, global: false);

        var refused = await Assert.ThrowsAsync<ChatDeliveryException>(() => client.Transport.PostAsync(FakeDiscord.ChannelId, "first", None));
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter);

        // 2 s: the other channel's post must go long before, even on a loaded machine.
        await client.Transport.PostAsync(FakeDiscord.OtherChannelId, "elsewhere", None);
        await client.Transport.PostAsync(FakeDiscord.ChannelId, "first", None);

        var calls = _fake.Calls.Where(c => c.Route == "POST /channels/{id}/messages").ToList();
        Assert.Equal(3, calls.Count);
        Assert.True(calls[1].At - calls[0].At < TimeSpan.FromSeconds(2), "the other channel's bucket was held up");
        Assert.True(calls[2].At - calls[0].At >= TimeSpan.FromSeconds(2), $"retried after {calls[2].At - calls[0].At}");
        Assert.Equal(0, _fake.EarlyRequests);
        Assert.Equal(["elsewhere", "first"], _fake.Posted);
    }

    [Fact]
    public async Task RateLimit429Global_HoldsEveryRouteForRetryAfter()
    {
        await using var client = DiscordClient.Start(_fake);
        await _fake.NextConnectionAsync(); // the gateway lookup is not caught by the global limit
        _fake.Next429("POST /channels", retryAfter: 0.4, global: true);

        var refused = await Assert.ThrowsAsync<ChatDeliveryException>(() => client.Transport.PostAsync(FakeDiscord.ChannelId, "first", None));
        Assert.Equal(TimeSpan.FromSeconds(0.4), refused.RetryAfter);
        Assert.Contains("global", refused.Message);
        await client.Transport.PostAsync(FakeDiscord.OtherChannelId, "elsewhere", None);

        var calls = _fake.Calls.Where(c => c.Route == "POST /channels/{id}/messages").ToList();
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(0.4), $"sent after {calls[1].At - calls[0].At}");
        Assert.Equal(0, _fake.EarlyRequests);
    }

    [Fact]
    public async Task EmptyBucket_FromHeaders_WaitsForResetInsteadOfSendingInto()
    {
        _fake.BucketLimit = 2;
        _fake.BucketWindow = TimeSpan.FromSeconds(0.5);
        await using var client = DiscordClient.Start(_fake);

        for (var i = 1; i <= 5; i++) await client.Transport.PostAsync(FakeDiscord.ChannelId, $"m{i}", None);

        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], _fake.Posted);
        Assert.Equal(0, _fake.EarlyRequests);
        Assert.Equal(0, _fake.InvalidRequests);
    }

    [Fact]
    public async Task Unauthorized_StopsAllRestCallsWithOneAlarm_TokenNeverShown()
    {
        await using var client = DiscordClient.Start(_fake);
        await _fake.NextConnectionAsync(); // the gateway lookup has happened
        _fake.ResetToken();

        var first = await Assert.ThrowsAsync<ChatDeliveryException>(() => client.Transport.PostAsync(FakeDiscord.ChannelId, "one", None));
        var callsAfter401 = _fake.Calls.Count;
        var second = await Assert.ThrowsAsync<ChatDeliveryException>(() => client.Transport.PostAsync(FakeDiscord.ChannelId, "two", None));

        Assert.Equal(callsAfter401, _fake.Calls.Count);
        Assert.NotNull(second.RetryAfter);
        await client.Logs.WaitForAsync("refused the bot token");
        Assert.Single(client.Logs.Entries, l => l.Level == LogLevel.Critical && l.Message.Contains("refused the bot token", StringComparison.Ordinal));
        Assert.DoesNotContain(DiscordClient.Token, first.ToString());
        Assert.DoesNotContain(DiscordClient.Token, second.ToString());
        Assert.All(client.Logs.Entries, l => Assert.DoesNotContain(DiscordClient.Token, l.Message));
    }

    [Fact]
    public async Task Forbidden_NotRetriedByTheTransport_LaterRetryLeftToTheOutbox()
    {
        await using var client = DiscordClient.Start(_fake);
        _fake.NextError("POST /channels", 403, 50013, "Missing Permissions");

        var refused = await Assert.ThrowsAsync<ChatDeliveryException>(() => client.Transport.PostAsync(FakeDiscord.ChannelId, "one", None));

        Assert.Single(_fake.Calls, c => c.Route == "POST /channels/{id}/messages");
        Assert.Equal(DiscordRest.ForbiddenRetry, refused.RetryAfter);
        Assert.Contains("Missing Permissions", refused.Message);
    }

    [Fact]
    public void Split_CodeBlockAcrossParts_IsClosedAndReopened()
    {
        var rows = Enumerable.Range(0, 300).Select(i => $"bm{i:000}  ok").ToList();
        var text = DiscordText.Format("results\n" + "host   state\n-----  -----\n" + string.Join('\n', rows));

        var parts = DiscordText.Split(text);

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(p.Length <= 2000, $"{p.Length} characters"));
        Assert.All(parts, p => Assert.Equal(0, CountFences(p) % 2));
        Assert.Equal(rows, parts.SelectMany(p => p.Split('\n')).Where(l => l.StartsWith("bm", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("plain words", "plain words")]
    [InlineData("a\nb  c\n----  -\n1  2\n\nafter", "a\n```\nb  c\n----  -\n1  2\n```\n\nafter")]
    public void Format_WrapsTablesOnly(string text, string expected) => Assert.Equal(expected, DiscordText.Format(text));
}
