using ChatOpsReconfig.Bot.Commands;

namespace ChatOpsReconfig.Bot.Tests.Commands;

public sealed class DurationTests
{
    public static TheoryData<string, TimeSpan> Valid => new()
    {
        { "30m", TimeSpan.FromMinutes(30) },
        { "45m", TimeSpan.FromMinutes(45) },
        { "2h", TimeSpan.FromHours(2) },
        { "1h30m", TimeSpan.FromMinutes(90) },
        { "90m", TimeSpan.FromMinutes(90) },
        { "90s", TimeSpan.FromSeconds(90) },
        { "1m30s", TimeSpan.FromSeconds(90) },
        { "1d", TimeSpan.FromDays(1) },
        { "1d12h", TimeSpan.FromHours(36) },
        { "1d2h3m4s", new TimeSpan(1, 2, 3, 4) },
        { "2H", TimeSpan.FromHours(2) },
        { "1H30M", TimeSpan.FromMinutes(90) },
        { "0h5m", TimeSpan.FromMinutes(5) },
        { "005m", TimeSpan.FromMinutes(5) },
        { "31d", TimeSpan.FromDays(31) },
        { "744h", TimeSpan.FromDays(31) },
    };

    public static TheoryData<string?, string> Invalid => new()
    {
        { "0m", "'0m' is zero; a duration must be greater than zero" },
        { "0h0m", "'0h0m' is zero; a duration must be greater than zero" },
        { "-5m", "'-5m' is negative; a duration must be greater than zero" },
        { "99999h", "'99999h' is too long: the maximum is 31d" },
        { "32d", "'32d' is too long: the maximum is 31d" },
        { "30d24h1s", "'30d24h1s' is too long: the maximum is 31d" },
        { "99999999999999999999m", "'99999999999999999999m' is too long: the maximum is 31d" },
        { "5 minutes", "'5 minutes' is not a duration: no spaces allowed; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "30m ", "'30m ' is not a duration: no spaces allowed; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { " 30m", "' 30m' is not a duration: no spaces allowed; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "5minutes", "'5minutes' is not a duration: unknown unit 'minutes'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "m", "'m' is not a duration: missing number before 'm'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "h30m", "'h30m' is not a duration: missing number before 'h'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "30x", "'30x' is not a duration: unknown unit 'x'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "30", "'30' is not a duration: missing unit after 30; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "30m!", "'30m!' is not a duration: unexpected '!'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "30mx", "'30mx' is not a duration: unknown unit 'mx'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "1.5h", "'1.5h' is not a duration: unexpected '.' after 1; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "+5m", "'+5m' is not a duration: unexpected '+'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "1h1h", "'1h1h' is not a duration: unit 'h' given twice" },
        { "30m1h", "'30m1h' is not a duration: units must go from largest to smallest (d, h, m, s)" },
        { "1h-5m", "'1h-5m' is not a duration: unexpected '-'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "", "missing duration; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { null, "missing duration; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
        { "٣m", "'٣m' is not a duration: unexpected '٣'; write a number and a unit (d, h, m, s), like 45m or 1h30m" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parse_Valid_ReturnsValue(string text, TimeSpan expected)
    {
        var result = Duration.Parse(text);

        Assert.Null(result.Error);
        Assert.True(result.Ok);
        Assert.Equal(expected, result.Value);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_Invalid_ReturnsSpecificError(string? text, string error)
    {
        var result = Duration.Parse(text);

        Assert.False(result.Ok);
        Assert.Equal(error, result.Error);
    }

    [Theory]
    [InlineData(90, "1h30m")]
    [InlineData(120, "2h")]
    [InlineData(45, "45m")]
    [InlineData(1.5, "1m30s")]
    [InlineData(0, "0m")]
    [InlineData(-5, "-5m")]
    [InlineData(36 * 60, "1d12h")]
    [InlineData(24 * 60 + 1, "1d1m")]
    public void Format_WritesCompactForm(double minutes, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMinutes(minutes)));

    [Theory]
    [InlineData("1h30m")]
    [InlineData("2h")]
    [InlineData("1d2h3m4s")]
    [InlineData("90s")]
    public void Format_OfParsed_RoundTripsToCanonicalForm(string text) =>
        Assert.Equal(Duration.Parse(Duration.Format(Duration.Parse(text).Value)).Value, Duration.Parse(text).Value);
}
