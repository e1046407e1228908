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
var deploy = new Command("deploy", "Run one rollout to the current production heads (exit 0 all ok, 1 any host failed, 2 config error)");
deploy.Options.Add(hosts);
deploy.Options.Add(yes);
deploy.SetAction((parse, ct) => DeployVerb.RunWithCtrlCAsync(parse.GetValue(config)!, parse.GetValue(hosts), parse.GetValue(yes), CliContext.CreateConsole(), ct));
root.Subcommands.Add(deploy);

var live = new Option<bool>("--live") { Description = "Ask the hosts for their revisions now instead of reading the store" };
var status = new Command("status", "Print the lag table: revision on each host against the production head");
status.Options.Add(live);
status.SetAction((parse, ct) => StatusVerb.RunAsync(parse.GetValue(config)!, parse.GetValue(live), CliContext.CreateConsole(), ct));
root.Subcommands.Add(status);

// Run mode stops through the Generic Host (Ctrl-C/SIGTERM, graceful); the deploy verb handles Ctrl-C itself.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
