namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>The gateway client's waits; tests shorten them, production uses the defaults.</summary>
internal sealed record DiscordGatewayTiming
{
    /// <summary>First wait after a connection attempt failed; doubles per further failure, with jitter.</summary>
    public TimeSpan ReconnectBase { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectCap { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Least time between two Identifies: max_concurrency is 1 per 5 s for a small bot, and the daily budget of 1000
    /// (spending it resets the token) must never be burnt by a loop.
    /// </summary>
    public TimeSpan IdentifySpacing { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Random wait before Identify after op 9 <c>false</c> (older docs asked for 1–5 s; current ones omit it: the safe choice).</summary>
    public TimeSpan InvalidSessionMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan InvalidSessionMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Events the client sends per connection per 60 s; Discord closes with 4008 above 120 (heartbeats may count: unconfirmed).</summary>
    public int SendLimitPerMinute { get; init; } = 110;

    /// <summary>Jitter source, 0 to 1.</summary>
    public Func<double> Random { get; init; } = System.Random.Shared.NextDouble;
}
