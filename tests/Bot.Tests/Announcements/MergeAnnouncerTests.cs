using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

public sealed class MergeAnnouncerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("merge-ann-").FullName;
    private readonly StoreDatabase _db;

    public MergeAnnouncerTests() => _db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private MergeAnnouncer CreateSut() => new(new BotOptions(), new ChatClock(TimeProvider.System, new BotOptions()));

    private static Commit C(int i, string author = "Alice", string summary = "change", params int[] bugs) =>
        new() { Rev = $"{i:x4}aaaabbbbccccddddeeeeffff00001111", Author = author, Summary = summary, Bugs = [.. bugs] };

    [Fact]
    public void Format_Push_SummaryLineWithAuthorsAndBugLinksThenOneLinePerCommit()
    {
        var merge = new Merge
        {
            Repo = "buildbot-configs", Branch = "production", Kind = MergeKind.Push, NewHead = "ffff",
            Commits = [C(1, "Alice", "Bug 1040013 - first", 1040013), C(2, "Bob", "Bug 1057888 - second", 1057888), C(3, "Alice", "third")],
            TotalCommits = 3, Bugs = [1040013, 1057888],
        };

        var lines = CreateSut().Format(merge).Split('\n');

        Assert.Equal("buildbot-configs production: 3 commits by Alice, Bob — Bug 1040013 (https://bugzilla.mozilla.org/show_bug.cgi?id=1040013), Bug 1057888 (https://bugzilla.mozilla.org/show_bug.cgi?id=1057888)", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal("  0001aaaabbbb  Alice  Bug 1040013 - first", lines[1]);
        Assert.EndsWith("third", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Format_TwoHundredCommits_CountsAndFirstAndLastFew()
    {
        var merge = new Merge
        {
            Repo = "tools", Branch = "production", Kind = MergeKind.Push, NewHead = "ffff",
            Commits = Enumerable.Range(1, 200).Select(i => C(i, $"dev{i % 7}", $"change {i}")).ToList(), TotalCommits = 200,
        };

        var text = CreateSut().Format(merge);
        var lines = text.Split('\n');

        Assert.StartsWith("tools production: 200 commits by dev1, dev2, dev3, dev4 and 3 more", lines[0], StringComparison.Ordinal);
        Assert.Equal(1 + MergeAnnouncer.ShowEnds + 1 + MergeAnnouncer.ShowEnds, lines.Length);
        Assert.Contains("… 190 more commits …", text, StringComparison.Ordinal);
        Assert.EndsWith("change 1", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("change 200", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Format_MentionsBackticksMarkdownAndControls_RenderedHarmless()
    {
        var merge = new Merge
        {
            Repo = "tools", Branch = "production", Kind = MergeKind.Push, NewHead = "ffff",
            Commits = [C(1, "@here", "@everyone look: `rm -rf /` **bold** <@123>\u0007\nsecond line")], TotalCommits = 1,
        };

        var text = CreateSut().Format(merge);

        Assert.DoesNotContain("@everyone", text, StringComparison.Ordinal);
        Assert.DoesNotContain("@here", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<@123>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("`", text, StringComparison.Ordinal);
        Assert.Contains("**bold**", text, StringComparison.Ordinal); // plain media show it as typed
        Assert.Contains("\\*\\*bold\\*\\*", ChatOpsReconfig.Bot.Chat.Discord.DiscordText.Format(text), StringComparison.Ordinal); // Discord shows it literally too
        Assert.DoesNotContain("\u0007", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split('\n').Length);
        Assert.Contains("@\u200beveryone", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_BaselineAndRewrite_SaySo()
    {
        var sut = CreateSut();
        Assert.Equal("watching tools production at 0123456789ab", sut.Format(new Merge { Repo = "tools", Branch = "production", Kind = MergeKind.Baseline, NewHead = "0123456789abcdef" }));
        var rewrite = sut.Format(new Merge { Repo = "tools", Branch = "production", Kind = MergeKind.Rewrite, OldHead = "aaaaaaaaaaaa1", NewHead = "bbbbbbbbbbbb2" });
        Assert.StartsWith("REWRITTEN: tools production was force-pushed: head is now bbbbbbbbbbbb (was aaaaaaaaaaaa)", rewrite, StringComparison.Ordinal);
    }
}
