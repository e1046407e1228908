namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>The <c>chat.irc</c> section: where the bot connects and how it behaves on the network.</summary>
// Setters, not init: see the note on ChatOptions (source-generated JSON drops defaults of init-only properties).
internal sealed record IrcOptions
{
    public string Server { get; set; } = "";

    public int Port { get; set; } = 6697;

    public bool Tls { get; set; } = true;

    /// <summary>Preferred nick; when taken the bot tries <c>nick_</c>, <c>nick__</c>, … .</summary>
    public string Nick { get; set; } = "chatops";

    /// <summary>The channel the bot joins, listens in and announces to.</summary>
    public string Channel { get; set; } = "#releng";

    /// <summary>SASL account; defaults to <see cref="Nick"/>. SASL PLAIN is used only when a password source is set.</summary>
    public string? SaslAccount { get; set; }

    /// <summary>Environment variable holding the SASL password; wins over <see cref="SaslPasswordFile"/>.</summary>
    public string? SaslPasswordEnv { get; set; }

    /// <summary>File holding the SASL password (surrounding whitespace ignored).</summary>
    public string? SaslPasswordFile { get; set; }

    /// <summary>Identity is the services account (IRCv3 account-tag / account-notify); users without one are refused.</summary>
    public bool RequireAccount { get; set; }

    /// <summary>Sustained send rate once the burst is used up (flood control).</summary>
    public double MessagesPerSecond { get; set; } = 1;

    /// <summary>Lines that may be sent back to back before the rate applies.</summary>
    public int Burst { get; set; } = 4;

    /// <summary>Extra certificate (PEM) trusted for the server, e.g. a private network's self-signed one.</summary>
    public string? TlsCertificateFile { get; set; }
}
