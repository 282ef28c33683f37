using IntelMQ.Contract;
using Npgsql;

namespace IntelMQ.Outputs.Sql;

/// <summary>The connection string of the PostgreSQL outputs, from IntelMQ's parameters (libpq's names for sslmode).</summary>
internal static class PostgresConnection
{
    /// <param name="program">Names the output in errors and as the connection's application name.</param>
    public static string String(string program, string host, int port, string database, string user, Secret password, string sslmode, int connectTimeout, int commandTimeout)
    {
        var mode = sslmode.ToLowerInvariant() switch
        {
            "disable" => SslMode.Disable,
            "allow" => SslMode.Allow,
            "prefer" => SslMode.Prefer,
            "require" => SslMode.Require,
            "verify-ca" => SslMode.VerifyCA,
            "verify-full" => SslMode.VerifyFull,
            _ => throw new ConfigurationException($"{program}: option 'sslmode' is '{sslmode}'; use one of libpq's modes: disable, allow, prefer, require, verify-ca, verify-full."),
        };
        return new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database,
            Username = user,
            Password = password.IsEmpty ? null : password.Reveal(),
            SslMode = mode,
            Timeout = connectTimeout,
            CommandTimeout = commandTimeout,
            Pooling = false,
            ApplicationName = "intelmq " + program,
        }.ToString();
    }
}
