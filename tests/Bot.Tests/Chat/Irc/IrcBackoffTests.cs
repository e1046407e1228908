using ChatOpsReconfig.Bot.Chat.Irc;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>The IRC reconnect schedule the README promises: 1 s, 2 s, 4 s … up to 30 s, each ±20%.</summary>
public sealed class IrcBackoffTests
{
    [Fact]
    public void Backoff_DoublesFromOneSecond_AndNeverWaitsOverHalfAMinute()
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var nominal = Math.Min(30, Math.Pow(2, attempt));
            for (var draw = 0; draw < 50; draw++)
            {
                var seconds = IrcChatTransport.Backoff(attempt).TotalSeconds;
                Assert.InRange(seconds, nominal * 0.8, nominal * 1.2);
            }
        }
    }
}
