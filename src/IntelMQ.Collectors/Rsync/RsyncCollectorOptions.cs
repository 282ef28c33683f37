using IntelMQ.Contract;

namespace IntelMQ.Collectors.Rsync;

/// <summary>Options of the rsync collector: IntelMQ's collector_rsync parameters.</summary>
public sealed record RsyncCollectorOptions
{
    [Option("The file to fetch, relative to rsync_path, e.g. wild.surbl.org.rbldnsd.")]
    public string? File { get; set; }

    [Option("Where rsync fetches from: host::module/dir/, rsync://host/module/dir/, user@host:dir/ (over ssh) or a local directory.")]
    public string? RsyncPath { get; set; }

    [Option("The directory rsync copies the file into and keeps it in between runs (so only changes travel). Default: the state directory's data/rsync-collector/ID.")]
    public string? TempDirectory { get; set; }

    [Option("Put the date into file and rsync_path as IntelMQ's http_url_formatting does ({time[%Y-%m-%d]}): false, true, or a timedelta such as {\"days\": -1}.")]
    public string? RsyncFilePathFormatting { get; set; }

    [Option("More arguments for rsync, a list, e.g. [\"--port=8873\", \"--contimeout=30\"]; one text is one argument, commas and all (--chmod=Du+rwx,Fu+rw).", Separator = null)]
    public string[] ExtraParams { get; set; } = [];

    [Option("The ssh private key (its text) to log in with, for an rsync_path over ssh; give this or private_key_path.")]
    public Secret? PrivateKey { get; set; }

    [Option("A file holding the ssh private key to log in with, for an rsync_path over ssh.")]
    public string? PrivateKeyPath { get; set; }

    [Option("Over ssh: refuse a host whose key is not in known_hosts (IntelMQ's default is to accept any).")]
    public bool StrictHostKeyChecking { get; set; }
}
