using System.CommandLine;
using System.Globalization;
using IntelMQ.Contract;
using IntelMQ.Outputs.EventDb;
using IntelMQ.Runtime;
using Npgsql;

namespace IntelMQ.Cli;

/// <summary>
/// <c>intelmq db init | migrate | import-intelmq | detach</c>: the normalised eventdb's schema, the import of an IntelMQ
/// events table and retention (docs/eventdb.md). The database is given like eventdb-output's options, or by the
/// configuration file of an eventdb-output instance.
/// </summary>
public static class DbCommand
{
    static readonly Option<string?> Config = new("--config", "-c") { Description = "The configuration file of an eventdb-output instance: its host, port, database, user, password, sslmode." };
    static readonly Option<string?> Host = new("--host") { Description = "PostgreSQL's host name or Unix socket directory (default: localhost)." };
    static readonly Option<int?> Port = new("--port") { Description = "PostgreSQL's port (default: 5432)." };
    static readonly Option<string?> Database = new("--database") { Description = "The database (default: intelmq-events)." };
    static readonly Option<string?> User = new("--user") { Description = "The PostgreSQL user (default: intelmq)." };
    static readonly Option<string?> PasswordFile = new("--password-file") { Description = "A file whose first line is the password; default: $PGPASSWORD, else the configuration file's." };
    static readonly Option<string?> Sslmode = new("--sslmode") { Description = "libpq's sslmode: disable, allow, prefer (default), require, verify-ca, verify-full." };

    public static Command Create()
    {
        var interval = new Option<string?>("--partition-interval") { Description = "Time one partition holds: day, week, month (default) or year. Fixed for the database's life." };
        var init = Connected(new Command("init", "Create the eventdb schema in a database that has none (all version steps)."), interval);
        init.SetAction(p => Run(p, async (database, token) =>
        {
            var applied = await database.InitAsync(token);
            Console.Error.WriteLine(applied.Count == 0
                ? $"intelmq db: {database.Name} already has an eventdb schema; `intelmq db migrate` upgrades it."
                : $"intelmq db: created the eventdb schema (version {applied[^1]}) in {database.Name}.");
            return 0;
        }, p.GetValue(interval)));

        var migrate = Connected(new Command("migrate", "Apply the pending schema version steps, each in one transaction."));
        migrate.SetAction(p => Run(p, async (database, token) =>
        {
            var applied = await database.MigrateAsync(null, token);
            Console.Error.WriteLine(applied.Count == 0
                ? $"intelmq db: {database.Name} is at version {EventDatabase.CurrentVersion}; nothing to do."
                : $"intelmq db: applied version{(applied.Count > 1 ? "s" : "")} {string.Join(", ", applied)} to {database.Name}.");
            return 0;
        }));

        var from = new Option<string>("--from") { Description = "IntelMQ's events table to import (intelmq_psql_initdb's), in the same database.", DefaultValueFactory = _ => "public.events" };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per batch, each committed with the import's progress.", DefaultValueFactory = _ => 10000 };
        var import = Connected(new Command("import-intelmq", "Move an IntelMQ events table into the eventdb in batches ordered by id; resumable: a rerun goes on where the last one stopped."), from, batchSize);
        import.SetAction(p => Run(p, async (database, token) =>
        {
            var refused = 0L;
            var done = await database.ImportIntelMQAsync(p.GetValue(from)!, p.GetValue(batchSize),
                progress => Console.Error.WriteLine($"intelmq db: imported up to id {progress.LastId} of {progress.MaxId}: {progress.Imported} events, {progress.Refused} rows refused"),
                (id, reason) =>
                {
                    refused++;
                    Console.Error.WriteLine($"intelmq db: row id {id} refused: {reason}");
                },
                TimeProvider.System, token);
            Console.Error.WriteLine($"intelmq db: import finished at id {done.LastId}: {done.Imported} events, {done.Refused} rows refused in all ({refused} in this run).");
            return 0;
        }));

        var before = new Option<string>("--before") { Description = "Detach the partitions that end on or before this UTC date: 2025-01 or 2025-01-15.", Required = true };
        var drop = new Option<bool>("--drop") { Description = "Drop the detached partitions too (their events are gone)." };
        var detach = Connected(new Command("detach", "Detach old partitions for retention; writers then refuse events older than them."), before, drop);
        detach.SetAction(p => Run(p, async (database, token) =>
        {
            var names = await database.DetachAsync(ParseBefore(p.GetValue(before)!), p.GetValue(drop), token);
            Console.Error.WriteLine(names.Count == 0
                ? "intelmq db: no attached partition ends on or before that date."
                : $"intelmq db: {(p.GetValue(drop) ? "detached and dropped" : "detached")} {string.Join(", ", names)}.");
            return 0;
        }));

        return new Command("db", "The normalised eventdb in PostgreSQL: create, upgrade, import IntelMQ's events table, detach old partitions.") { init, migrate, import, detach };
    }

    static Command Connected(Command command, params Option[] more)
    {
        foreach (var option in (Option[])[Config, Host, Port, Database, User, PasswordFile, Sslmode, .. more]) command.Options.Add(option);
        return command;
    }

    static DateTimeOffset ParseBefore(string text) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw new ConfigurationException($"intelmq db detach: --before '{text}' is not a date; give a UTC month or day, e.g. --before 2025-01.");

    /// <summary>eventdb-output's options from --config, then the flags; the password from --password-file, else $PGPASSWORD.</summary>
    static EventDbOutputOptions Options(ParseResult p, string? interval)
    {
        var program = Programs.Catalog.Resolve("eventdb-output");
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (p.GetValue(Config) is { } config)
            foreach (var (key, value) in ConfigValues.Collect(config, []))
                if (OptionBinder.Find(program.Options, key) is not null) values[key] = value; // run settings (input, batch_size) are not the database's
        var options = (EventDbOutputOptions)OptionBinder.Bind(program, values)!;
        if (p.GetValue(Host) is { } host) options.Host = host;
        if (p.GetValue(Port) is { } port) options.Port = port is >= 1 and <= 65535 ? port : throw new ConfigurationException($"intelmq db: --port {port} is not a port; give 1 to 65535.");
        if (p.GetValue(Database) is { } database) options.Database = database;
        if (p.GetValue(User) is { } user) options.User = user;
        if (p.GetValue(Sslmode) is { } sslmode) options.Sslmode = sslmode;
        if (interval is not null)
            options.PartitionInterval = Enum.TryParse<PartitionInterval>(interval, ignoreCase: true, out var parsed) && !int.TryParse(interval, out _) ? parsed
                : throw new ConfigurationException($"intelmq db init: --partition-interval '{interval}'; give day, week, month or year.");
        if (p.GetValue(PasswordFile) is { } file)
        {
            try { options.Password = new Secret(File.ReadLines(file).FirstOrDefault() ?? ""); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"intelmq db: --password-file: cannot read '{file}': {ex.Message}");
            }
        }
        else if (Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } password) options.Password = new Secret(password);
        return options;
    }

    /// <summary>Runs a subcommand; PostgreSQL unreachable or refusing exits 2 with the options to check.</summary>
    static int Run(ParseResult p, Func<EventDatabase, CancellationToken, Task<int>> action, string? interval = null)
    {
        var database = new EventDatabase(Options(p, interval));
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        try
        {
            return action(database, stop.Token).GetAwaiter().GetResult();
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"intelmq db: {database.Name}: {ex.Message}. Check --host, --port, --database, --user and the password (--password-file or $PGPASSWORD), or --config.");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("intelmq db: stopped; what was committed stays, and `intelmq db import-intelmq` goes on from there.");
            return 130;
        }
    }
}
