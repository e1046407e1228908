using Spectre.Console;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary><c>chatops validate-config</c>: every problem as <c>path.to.key: message</c>, exit 1; exit 0 when valid.</summary>
internal static class ValidateConfigVerb
{
    public static int Run(string configPath, IAnsiConsole console)
    {
        var config = CliContext.LoadOrReport(configPath);
        if (config is null) return CliContext.ExitFailed;
        console.WriteLine($"{configPath}: ok ({config.Repos.Count} repos, {config.Roles.Count} roles, {config.Hosts.Count} hosts)");
        return CliContext.ExitOk;
    }
}
