using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>The status page's root, registered by the host that serves it; bug comments link their rollout there.</summary>
public sealed record BugStatusLink(string Url);

public static class BugsSetup
{
    /// <summary>Issue numbers as GitHub commits write them: <c>#123</c>, <c>fixes #123</c>.</summary>
    public const string GitHubIssuePattern = @"(?<![\w/])#(\d{1,8})\b";

    /// <summary>The trackers, the outbox, and the worker that plans and delivers comments (idle without a <c>bugs</c> section).</summary>
    public static IServiceCollection AddBugs(this IServiceCollection services, FleetConfig fleet)
    {
        var options = BugsOptions.From(fleet);
        // Commits of a GitHub-tracked repo name issues as #123 unless the repo says otherwise.
        foreach (var repo in options.Values.Where(o => o.IsGitHub).SelectMany(o => o.Repos))
        {
            if (fleet.Repos.TryGetValue(repo, out var config)) config.BugPattern ??= GitHubIssuePattern;
        }

        services.AddSingleton(sp => new BugTrackers(
            options,
            sp.GetService<BugStatusLink>()?.Url,
            Policy.SharedHttp.Client,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new BugCommentPlanner(
            sp.GetRequiredService<BugTrackers>(), fleet, sp.GetRequiredService<IRolloutStore>(), sp.GetRequiredService<IBugCommentOutbox>(),
            sp.GetRequiredService<IBugCommentText>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BugCommentPlanner>>()));
        services.AddSingleton(sp => new BugCommentDelivery(
            sp.GetRequiredService<BugTrackers>(), sp.GetRequiredService<BugCommentPlanner>(), sp.GetRequiredService<IBugCommentOutbox>(),
            sp.GetRequiredService<DeployerEvents>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BugCommentDelivery>>()));
        return services;
    }
}
