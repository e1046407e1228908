using ChatOpsReconfig.Bot.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>Every HTTP endpoint of the bot, mapped in one place.</summary>
internal static class BotWeb
{
    public static IEndpointRouteBuilder MapBotWeb(this IEndpointRouteBuilder app)
    {
        app.MapStatusApi();
        app.MapHooksApi();
        return app;
    }

    /// <summary>Logs where Kestrel listens once it does (port 0 picks a free port) and whether hooks must be signed.</summary>
    public static WebApplication LogWhenListening(this WebApplication app, WebOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BotWeb));
        var secret = app.Services.GetRequiredService<HookSecret>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            WebLog.Listening(logger, string.Join(", ", app.Urls));
            if (secret.Required) WebLog.HooksSigned(logger, secret.Source);
            else if (Uri.TryCreate(options.Url, UriKind.Absolute, out var url) && url.IsLoopback) WebLog.HooksUnsignedOnLoopback(logger, options.HookSecretEnv);
            else WebLog.HooksUnsigned(logger, options.HookSecretEnv, options.Url);
        });
        return app;
    }
}

/// <summary>Stands in for Kestrel when <c>web.enabled</c> is false: the bot runs without listening anywhere.</summary>
internal sealed class NoServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
