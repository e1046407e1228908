using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>Every HTTP endpoint of the bot, mapped in one place.</summary>
internal static class BotWeb
{
    public static IEndpointRouteBuilder MapBotWeb(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapHooksApi();
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
