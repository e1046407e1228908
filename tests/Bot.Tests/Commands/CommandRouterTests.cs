using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Bot.Tests.Commands;

public sealed class CommandRouterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("router-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly StoreDatabase _db;
    private readonly CommandAudit _audit;
    private readonly RecordingCommand _deployish = new();

    public CommandRouterTests()
    {
        _db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        _audit = new CommandAudit(new AuditLog(_db), _time);
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private CommandRouter CreateSut(string prefix = "!") => new(
        [new HistoryCommand(new RolloutStore(_db), new Bot.Announcements.ChatClock(TimeProvider.System, new BotOptions())), _deployish],
        new Permissions(new PermissionsOptions { Deployers = ["alice"], Admins = ["root"], DeployerRoles = ["releng"] }),
        _audit,
        prefix,
        NullLogger<CommandRouter>.Instance);

    private static ChatMessage Say(string text, string user = "alice", params string[] roles) => new("releng", user, user, roles, text);

    [Theory]
    [InlineData("!history")]
    [InlineData("!HISTORY")]
    [InlineData("   !history   ")]
    [InlineData("!History   3")]
    public async Task Handle_TolerantSpellings_RunTheCommand(string text)
    {
        var reply = await CreateSut().HandleAsync(Say(text), CancellationToken.None);
        Assert.Equal("no rollouts yet", reply!.Text);
    }

    [Theory]
    [InlineData("hello there")]
    [InlineData("?history")]
    public async Task Handle_NotACommand_ReturnsNull(string text) =>
        Assert.Null(await CreateSut().HandleAsync(Say(text), CancellationToken.None));

    [Theory]
    [InlineData("!")]
    [InlineData("  !   ")]
    public async Task Handle_BarePrefix_AnswersWithTheHelpHint(string text)
    {
        var reply = await CreateSut().HandleAsync(Say(text), CancellationToken.None);
        Assert.Equal("! alone is not a command; !help lists the commands", reply!.Text);
        Assert.True(reply.IsError);
    }

    [Theory]
    [InlineData("!histroy", "did you mean !history?")]
    [InlineData("!hist", "did you mean !history?")]
    [InlineData("!dpeloy", "did you mean !deploy?")]
    [InlineData("!xyzzyplugh", "unknown command !xyzzyplugh; !help lists the commands")]
    public async Task Handle_UnknownCommand_SuggestsClosest(string text, string expected)
    {
        var reply = await CreateSut().HandleAsync(Say(text), CancellationToken.None);
        Assert.Contains(expected, reply!.Text, StringComparison.Ordinal);
        Assert.True(reply.IsError);
    }

    [Theory]
    [InlineData("!history 0")]
    [InlineData("!history -1")]
    [InlineData("!history 51")]
    [InlineData("!history many")]
    [InlineData("!history 1 2")]
    public async Task Handle_BadArguments_ExactUsage(string text)
    {
        var reply = await CreateSut().HandleAsync(Say(text), CancellationToken.None);
        Assert.Equal("usage: !history [n] — n is a number from 1 to 50", reply!.Text);
    }

    [Fact]
    public async Task Handle_NoPermission_RefusedPolitelyAndAudited()
    {
        var reply = await CreateSut().HandleAsync(Say("!deploy now", "mallory"), CancellationToken.None);

        Assert.True(reply!.Refused);
        Assert.Equal("sorry mallory, !deploy is for deployers only; ask an admin to add you to permissions in the config", reply.Text);
        Assert.Equal(0, _deployish.Calls);
        var entry = Assert.Single(await _audit.LatestAsync(10, CancellationToken.None));
        Assert.Equal("mallory", entry.ActorName);
        Assert.Equal("!deploy now", entry.Action);
        Assert.True(entry.Refused);
        Assert.StartsWith("refused:", entry.Detail, StringComparison.Ordinal);
        Assert.Equal(_time.GetUtcNow(), entry.At);
    }

    [Fact]
    public async Task Handle_ChatRoleGrantsDeployer_RunsAndAudits()
    {
        var reply = await CreateSut().HandleAsync(Say("!deploy now", "carol", "releng"), CancellationToken.None);
        Assert.Equal("ran with now", reply!.Text);
        Assert.Equal("ok", Assert.Single(await _audit.LatestAsync(10, CancellationToken.None)).Detail);
    }

    [Theory]
    [InlineData("ALICE", "Deployer")]
    [InlineData("Alice", "Deployer")]
    [InlineData("ROOT", "Admin")]
    [InlineData("mallory", "Anyone")]
    [InlineData("alice2", "Anyone")]
    public void Permissions_NamesCompareWithoutCase_AndExactly(string user, string expected) =>
        Assert.Equal(expected, new Permissions(new PermissionsOptions { Deployers = ["alice"], Admins = ["root"] }).Of(Say("!deploy now", user)).ToString());

    [Fact]
    public async Task Handle_DeployerInAnotherCase_Runs()
    {
        var reply = await CreateSut().HandleAsync(Say("!deploy now", "ALICE"), CancellationToken.None);
        Assert.Equal("ran with now", reply!.Text);
    }

    [Fact]
    public async Task Handle_ShellMetacharacters_ArriveAsPlainArguments()
    {
        await CreateSut().HandleAsync(Say("!deploy now; rm -rf / $(id) `id`"), CancellationToken.None);
        Assert.Equal(["now;", "rm", "-rf", "/", "$(id)", "`id`"], _deployish.LastArgs);
    }

    [Fact]
    public async Task Handle_ConfiguredPrefix_IsUsed()
    {
        var router = CreateSut(prefix: "%");
        Assert.Null(await router.HandleAsync(Say("!history"), CancellationToken.None));
        Assert.Equal("no rollouts yet", (await router.HandleAsync(Say("%history"), CancellationToken.None))!.Text);
    }

    /// <summary>A deployer-only command that records what it was given.</summary>
    private sealed class RecordingCommand : IChatCommand
    {
        public int Calls { get; private set; }

        public IReadOnlyList<string> LastArgs { get; private set; } = [];

        public string Name => "deploy";

        public string Usage => "deploy now";

        public string Summary => "records its arguments";

        public Permission Required => Permission.Deployer;

        public Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
        {
            Calls++;
            LastArgs = context.Args;
            return Task.FromResult(CommandReply.Ok("ran with " + string.Join(' ', context.Args)));
        }
    }
}
