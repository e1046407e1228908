namespace ChatOpsReconfig.Deployer.Events;

/// <summary>Something the bot may want to tell people about. Raised only after the store has it.</summary>
public abstract record DeployerEvent;
