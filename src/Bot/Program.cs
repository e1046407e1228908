using System.CommandLine;
using ChatOpsReconfig.Bot.Cli;
using ChatOpsReconfig.Bot.Hosting;

// The console (Spectre) is made by the verbs that print tables; run mode never needs one.
var config = new Option<string>("--config")
{
    Description = "Fleet config file (JSON with comments)",
    DefaultValueFactory = _ => "config/chatops.json",
    Recursive = true,
};

var root = new RootCommand("ChatOpsReconfig: announces merges, holds the deploy lock and reconfigures the build farm");
root.Options.Add(config);
root.SetAction((parse, ct) => BotHost.RunAsync(parse.GetValue(config)!, ct));

var run = new Command("run", "Run the bot (the default when no verb is given)");
run.SetAction((parse, ct) => BotHost.RunAsync(parse.GetValue(config)!, ct));
root.Subcommands.Add(run);

var validate = new Command("validate-config", "Check the config; print every problem as path.to.key: message");
validate.SetAction(parse => ValidateConfigVerb.Run(parse.GetValue(config)!, CliContext.CreateConsole()));
root.Subcommands.Add(validate);

var hosts = new Option<string?>("--hosts") { Description = "Comma-separated host names (default: every enabled host)" };
var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
var force = new Option<bool>("--force") { Description = "Skip holds, freezes and CI (nothing else)" };
var again = new Option<bool>("--again") { Description = "Also run the steps on hosts that already run the set (e.g. to reconfigure again)" };
var planOnly = new Option<bool>("--plan") { Description = "Print what would be done and why, and do nothing" };
var deploy = new Command("deploy", "Run one rollout to the current production heads (exit 0 all ok or nothing to deploy, 1 any host failed, 2 config error or store busy, 3 refused)");
deploy.Options.Add(hosts);
deploy.Options.Add(yes);
deploy.Options.Add(force);
deploy.Options.Add(again);
deploy.Options.Add(planOnly);
deploy.SetAction((parse, ct) => DeployVerb.RunWithCtrlCAsync(parse.GetValue(config)!,
    new DeployOptions(parse.GetValue(hosts), parse.GetValue(yes), parse.GetValue(force), parse.GetValue(again), parse.GetValue(planOnly)), CliContext.CreateConsole(), ct));
root.Subcommands.Add(deploy);

var to = new Option<int>("--to") { Description = "The rollout whose revision set to go back to", Required = true };
var rollback = new Command("rollback", "Roll the fleet back to rollout N's revision set and hold automatic rollouts (exit codes as deploy)");
rollback.Options.Add(to);
rollback.Options.Add(yes);
rollback.Options.Add(force);
rollback.Options.Add(planOnly);
rollback.SetAction((parse, ct) => DeployVerb.RunWithCtrlCAsync(parse.GetValue(config)!,
    new DeployOptions(null, parse.GetValue(yes), parse.GetValue(force), PlanOnly: parse.GetValue(planOnly), RollbackTo: parse.GetValue(to)), CliContext.CreateConsole(), ct));
root.Subcommands.Add(rollback);

var live = new Option<bool>("--live") { Description = "Ask the hosts for their revisions now instead of reading the store" };
var status = new Command("status", "Print the lag table: revision on each host against the production head");
status.Options.Add(live);
status.SetAction((parse, ct) => StatusVerb.RunAsync(parse.GetValue(config)!, parse.GetValue(live), CliContext.CreateConsole(), ct));
root.Subcommands.Add(status);

// Run mode stops through the Generic Host (Ctrl-C/SIGTERM, graceful); the deploy verb handles Ctrl-C itself.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
