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

var validate = new Command("validate-config", "Check the config; print every problem as path.to.key: message (line N) (exit 0 valid, 1 problems)");
validate.SetAction(parse => ValidateConfigVerb.Run(parse.GetValue(config)!, CliContext.CreateConsole()));
root.Subcommands.Add(validate);

var hosts = new Option<string?>("--hosts") { Description = "Comma-separated host names (default: every enabled host)" };
var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
var force = new Option<bool>("--force") { Description = "Skip holds, freezes and CI (nothing else)" };
var again = new Option<bool>("--again") { Description = "Also run the steps on hosts that already run the set (e.g. to reconfigure again)" };
var planOnly = new Option<bool>("--plan") { Description = "Print what would be done and why, and do nothing" };
var deploy = new Command("deploy", "Run one rollout to the current production heads (exit 0 all ok or nothing to deploy, 1 any host failed, 2 cannot start: config error, store busy, or no terminal and no --yes; 3 refused)");
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
var status = new Command("status", "Print the lag table: revision on each host against the production head (exit 0; 2 config error, or --live while the bot runs)");
status.Options.Add(live);
status.SetAction((parse, ct) => StatusVerb.RunAsync(parse.GetValue(config)!, parse.GetValue(live), CliContext.CreateConsole(), ct));
root.Subcommands.Add(status);

var url = new Option<string>("--url") { Description = "The bot's web address, e.g. http://127.0.0.1:8080", Required = true };
var tokenFile = new Option<string?>("--token-file") { Description = "File holding the web token (default: $CHATOPS_WEB_TOKEN)" };
var warning = new Option<string>("--warning") { Description = "WARNING when a host lags this long", DefaultValueFactory = _ => "15m" };
var critical = new Option<string>("--critical") { Description = "CRITICAL when a host lags this long", DefaultValueFactory = _ => "30m" };
var checkLag = new Command("check-lag", "Nagios/Icinga plugin: one line CHATOPS LAG OK|WARNING|CRITICAL|UNKNOWN with perfdata (exit 0/1/2/3)");
checkLag.Options.Add(url);
checkLag.Options.Add(warning);
checkLag.Options.Add(critical);
checkLag.Options.Add(tokenFile);
checkLag.SetAction((parse, ct) => CheckLagVerb.RunAsync(parse.GetValue(url)!, parse.GetValue(warning)!, parse.GetValue(critical)!, parse.GetValue(tokenFile), Console.Out, ct));
root.Subcommands.Add(checkLag);

var repo = new Option<string>("--repo") { Description = "Repo name as in the config", Required = true };
var rev = new Option<string>("--rev") { Description = "Full revision that must be live", Required = true };
var timeout = new Option<string>("--timeout") { Description = "Give up after this long (exit 1)", DefaultValueFactory = _ => "30m" };
var waitLive = new Command("wait-live", "Wait until every host carrying REPO runs REV or a descendant (exit 0 live, 1 timeout, 2 bad request, 3 bot unreachable)");
waitLive.Options.Add(url);
waitLive.Options.Add(repo);
waitLive.Options.Add(rev);
waitLive.Options.Add(timeout);
waitLive.Options.Add(tokenFile);
waitLive.SetAction((parse, ct) => WaitLiveVerb.RunAsync(parse.GetValue(url)!, parse.GetValue(repo)!, parse.GetValue(rev)!, parse.GetValue(timeout)!, parse.GetValue(tokenFile), Console.Out, ct));
root.Subcommands.Add(waitLive);
root.Subcommands.Add(ChatOpsReconfig.Bot.Maintenance.MaintenanceLogCli.Create(config));

var store = new Command("store", "The store file: check, back up, restore (exit 0 done, 2 refused: damaged, busy, read-only, bad file)");
var storeCheck = new Command("check", "Check the store file without changing it; print the newest backup");
storeCheck.SetAction(parse => StoreVerbs.Check(parse.GetValue(config)!));
store.Subcommands.Add(storeCheck);
var backupTo = new Option<string?>("--to") { Description = "Write the backup to this file (default: a new file in data/backups/, last 7 kept)" };
var storeBackup = new Command("backup", "Copy the store (checkpointed and checked) into data/backups/ or --to FILE; refused while the bot runs");
storeBackup.Options.Add(backupTo);
storeBackup.SetAction(parse => StoreVerbs.Backup(parse.GetValue(config)!, parse.GetValue(backupTo)));
store.Subcommands.Add(storeBackup);
var restoreFrom = new Option<string>("--from") { Description = "The backup to put in the store's place (checked first)", Required = true };
var storeRestore = new Command("restore", "Check FILE, keep the current store aside in data/backups/, put FILE in its place; refused while the bot runs");
storeRestore.Options.Add(restoreFrom);
storeRestore.SetAction(parse => StoreVerbs.Restore(parse.GetValue(config)!, parse.GetValue(restoreFrom)!));
store.Subcommands.Add(storeRestore);
root.Subcommands.Add(store);

// Run mode stops through the Generic Host (Ctrl-C/SIGTERM, graceful); the deploy verb handles Ctrl-C itself.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
