using ChatOpsReconfig.Bot.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Chat.Irc;

internal static class IrcChatSetup
{
    /// <summary>
    /// The IRC transport as the bot's chat, and its connection loop as a hosted service. Registered before the outbox
    /// sender, so it stops after it: the sender's last flush at shutdown still has the connection.
    /// </summary>
    public static IServiceCollection AddIrcChat(this IServiceCollection services, ChatOptions chat)
    {
        services.AddSingleton(sp => new IrcChatTransport(chat.Irc, chat, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<IrcChatTransport>>()));
        services.AddSingleton<IChatTransport>(sp => sp.GetRequiredService<IrcChatTransport>());
        services.AddLeaderOnly(sp => sp.GetRequiredService<IrcChatTransport>());
        return services;
    }
}
