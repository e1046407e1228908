// Placeholder entry point so the Bot project builds while its host is written on another branch;
// the real Program.cs (System.CommandLine verbs, then the host) replaces this file.
Console.Error.WriteLine("chatops: the bot host is not part of this build yet");
return 1;
