using ChatOpsReconfig.Bot.Chat.Irc;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>
/// Who a message comes from when <c>requireAccount</c> is set. ngIRCd has no services (no account-tag, no
/// account-notify), so the account paths are tested here on the protocol lines servers with services send.
/// </summary>
public sealed class IrcAccountsTests
{
    private static IrcMessage Line(string line) => IrcMessage.Parse(line)!;

    [Fact]
    public void AccountTag_TagNamesTheAccount_NoTagMeansNotLoggedIn()
    {
        var accounts = new IrcAccounts { AccountTag = true };
        Assert.Equal("alice-acct", accounts.AccountOf(Line("@account=alice-acct :alice!a@h PRIVMSG #releng :!status")));
        Assert.Null(accounts.AccountOf(Line(":alice!a@h PRIVMSG #releng :!status")));
    }

    [Fact]
    public void AccountTag_OverridesWhatWasLearned()
    {
        var accounts = new IrcAccounts { AccountTag = true, AccountNotify = true };
        accounts.Observe(Line(":alice!a@h JOIN #releng alice-acct :Alice"));
        // With account-tag the server tags every message of a logged-in user; an untagged one is not logged in.
        Assert.Null(accounts.AccountOf(Line(":alice!a@h PRIVMSG #releng :!status")));
    }

    [Fact]
    public void AccountNotify_LearnsFromJoinAccountAndNick_ForgetsOnQuitAndLogout()
    {
        var accounts = new IrcAccounts { AccountNotify = true };
        var says = Line(":alice!a@h PRIVMSG #releng :!deploy now");
        Assert.Null(accounts.AccountOf(says));

        accounts.Observe(Line(":alice!a@h JOIN #releng alice-acct :Alice"));
        Assert.Equal("alice-acct", accounts.AccountOf(says));

        accounts.Observe(Line(":alice!a@h NICK alice_away"));
        Assert.Null(accounts.AccountOf(says));
        Assert.Equal("alice-acct", accounts.AccountOf(Line(":alice_away!a@h PRIVMSG #releng :!status")));

        accounts.Observe(Line(":alice_away!a@h ACCOUNT *"));
        Assert.Null(accounts.AccountOf(Line(":alice_away!a@h PRIVMSG #releng :!status")));

        accounts.Observe(Line(":bob!b@h ACCOUNT bob-acct"));
        Assert.Equal("bob-acct", accounts.AccountOf(Line(":bob!b@h PRIVMSG #releng :!status")));
        accounts.Observe(Line(":bob!b@h QUIT :bye"));
        Assert.Null(accounts.AccountOf(Line(":bob!b@h PRIVMSG #releng :!status")));
    }

    [Fact]
    public void ExtendedJoin_Star_IsNotAnAccount()
    {
        var accounts = new IrcAccounts { AccountNotify = true };
        accounts.Observe(Line(":mallory!m@h JOIN #releng * :Mallory"));
        Assert.Null(accounts.AccountOf(Line(":mallory!m@h PRIVMSG #releng :!deploy now")));
    }

    [Fact]
    public void NoAccountCaps_NobodyIsIdentified()
    {
        var accounts = new IrcAccounts();
        Assert.False(accounts.CanIdentify);
        Assert.Null(accounts.AccountOf(Line(":alice!a@h PRIVMSG #releng :!status")));
    }
}
