using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Tests.Policy;

public sealed class FreezeWindowTests
{
    // 2025-11-24 is a Monday.
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static FreezeWindow Window(string cron, int minutes, TimeZoneInfo? zone = null) =>
        new(FreezeWindow.ParseCron(cron)!, TimeSpan.FromMinutes(minutes), "release week", zone ?? TimeZoneInfo.Utc);

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2025-11-24T08:59:59", null)]
    [InlineData("2025-11-24T09:00:00", "2025-11-24T17:00:00")] // the occurrence itself is inside
    [InlineData("2025-11-24T16:59:59", "2025-11-24T17:00:00")]
    [InlineData("2025-11-24T17:00:00", null)] // the end is outside
    [InlineData("2025-11-25T10:00:00", null)]
    [InlineData("2025-12-01T12:00:00", "2025-12-01T17:00:00")]
    public void OpenAt_MondaysNineToFive(string now, string? until)
    {
        var open = Window("0 9 * * 1", 8 * 60).OpenAt(Utc(now));

        Assert.Equal(until is null ? null : Utc(until), open?.Until);
        if (open is not null) Assert.Equal(("release week", (string?)null), (open.Reason, open.By));
    }

    [Theory]
    [InlineData("2025-11-24T07:59:00", false)]
    [InlineData("2025-11-24T08:00:00", true)] // 09:00 in Berlin (CET, UTC+1)
    [InlineData("2025-11-24T08:59:00", true)]
    [InlineData("2025-11-24T09:00:00", false)]
    public void OpenAt_CronReadInItsTimeZone(string now, bool open) =>
        Assert.Equal(open, Window("0 9 * * 1", 60, Berlin).OpenAt(Utc(now)) is not null);

    [Fact]
    public void OpenAt_OverlappingOccurrences_RunsUntilTheLatestOnesEnd()
    {
        var open = Window("0 * * * *", 90).OpenAt(Utc("2025-11-24T10:15:00"));

        Assert.Equal(Utc("2025-11-24T11:30:00"), open?.Until);
    }

    [Fact]
    public void OpenAt_WindowSpanningMidnight()
    {
        var window = Window("0 22 * * 5", 12 * 60); // Fridays 22:00 to Saturdays 10:00

        Assert.NotNull(window.OpenAt(Utc("2025-11-29T03:00:00")));
        Assert.Null(window.OpenAt(Utc("2025-11-29T10:00:00")));
    }

    [Theory]
    [InlineData("0 9 * * 1", true)]
    [InlineData("@daily", true)]
    [InlineData("*/15 9-17 * * mon-fri", true)]
    [InlineData("", false)]
    [InlineData("0 9 * *", false)]
    [InlineData("61 9 * * 1", false)]
    [InlineData("every monday", false)]
    public void ParseCron_AcceptsFiveFieldExpressionsOnly(string cron, bool valid) =>
        Assert.Equal(valid, FreezeWindow.ParseCron(cron) is not null);

    [Fact]
    public void FromOptions_UsesPolicyZoneUnlessTheFreezeNamesOne()
    {
        var options = new PolicyOptions
        {
            TimeZone = "Europe/Berlin",
            Freezes =
            [
                new FreezeOptions { Cron = "0 9 * * 1", DurationMinutes = 30, Reason = "a" },
                new FreezeOptions { Cron = "0 9 * * 1", DurationMinutes = 30, Reason = "b", TimeZone = "UTC" },
            ],
        };

        var windows = FreezeWindow.FromOptions(options);

        Assert.Equal([Berlin.Id, "UTC"], windows.Select(w => w.TimeZone.Id));
        Assert.Equal(TimeSpan.FromMinutes(30), windows[0].Duration);
    }
}
