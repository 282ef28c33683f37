using System.Globalization;
using System.Net;
using IntelMQ.Contract;
using IntelMQ.Core;
using MaxMind.Db;

namespace IntelMQ.Experts.MaxMindGeoip;

/// <summary>Fills geolocation (City/Country databases) or AS numbers (ASN databases) from a local MaxMind database, as IntelMQ's maxmind_geoip expert does.</summary>
[Program("maxmind-geoip-expert", ProgramKind.Expert, "Fills source/destination geolocation (or AS number and name) from a local MaxMind GeoIP2/GeoLite2 database.",
    Modules = ["intelmq.bots.experts.maxmind_geoip.expert"],
    Options = typeof(MaxMindGeoipExpertOptions),
    ReferenceData = typeof(MaxMindDatabaseUpdater),
    Description = """
        Looks up source.ip and destination.ip in a MaxMind database read once into memory. With a City or Country
        database it writes geolocation.cc (the located country, or with use_registered=true the registered one),
        geolocation.city (English name) and geolocation.latitude/longitude, as IntelMQ does; with an ASN database
        (GeoLite2-ASN) it writes asn, as_name and network. The database's own type decides, so one program serves
        both: run two instances for geolocation and AS numbers. A field the event already has is kept unless
        overwrite=true; an address the database does not hold, or a value that is not an IP address, leaves the
        event unchanged. A file that is not a MaxMind database is refused at start. `--self-update-db` downloads
        the database's edition with license_key, checks that it opens, and swaps it in.
        """,
    FieldsRead = ["source.ip", "destination.ip"],
    FieldsWritten = [
        "source.geo.country_iso_code", "source.geo.city_name", "source.geo.location.lat", "source.geo.location.lon",
        "destination.geo.country_iso_code", "destination.geo.city_name", "destination.geo.location.lat", "destination.geo.location.lon",
        "source.as.number", "source.as.organization.name", "source.network",
        "destination.as.number", "destination.as.organization.name", "destination.network",
    ],
    Examples = [
        "intelmq run maxmind-geoip-expert --set database=/var/lib/intelmq/GeoLite2-City.mmdb < events.jsonl",
        "intelmq run maxmind-geoip-expert --set database=/var/lib/intelmq/GeoLite2-ASN.mmdb --set overwrite=true < events.jsonl",
    ])]
public sealed class MaxMindGeoipExpert : IExpert, IDisposable
{
    public const string DefaultFileName = "GeoLite2-City.mmdb";
    static readonly Side[] Sides = [new("source"), new("destination")];
    static readonly IPAddress[] Probes = [IPAddress.Parse("81.2.69.160"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("255.255.255.255")];

    readonly Reader _reader;
    readonly DatabaseKind _kind;
    readonly bool _overwrite, _useRegistered;

    public MaxMindGeoipExpert(MaxMindGeoipExpertOptions options, ProgramContext context)
    {
        var path = DatabasePath(options, context)
            ?? throw new ConfigurationException("maxmind-geoip-expert: option 'database' is empty and there is no data directory: give the .mmdb file.");
        (_reader, _kind) = Open(path);
        _overwrite = options.Overwrite;
        _useRegistered = options.UseRegistered;
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var side in Sides)
            if (ev[side.Ip] is string text && IPAddress.TryParse(text, out var address))
                Fill(ev, side, address);
        output.Emit(ev);
    }

    void Fill(Event ev, Side side, IPAddress address)
    {
        if (_kind == DatabaseKind.Asn)
        {
            if (_reader.Find<AsRecord>(address) is not { } asn) return;
            if (asn.Number is { } number) ev.TryAdd(side.Asn, number, _overwrite);
            if (asn.Organization is { } name) ev.TryAdd(side.AsName, name, _overwrite);
            ev.TryAdd(side.Network, asn.Network.ToString(), _overwrite);
            return;
        }
        // A Country database's records have no city or location: the same record type reads both.
        if (_reader.Find<GeoRecord>(address) is not { } geo) return;
        if ((_useRegistered ? geo.RegisteredCountry : geo.Country)?.IsoCode is { } code) ev.TryAdd(side.CountryCode, code, _overwrite);
        if (geo.City?.EnglishName is { } city) ev.TryAdd(side.City, city, _overwrite);
        if (geo.Location?.Latitude is { } latitude) ev.TryAdd(side.Latitude, latitude, _overwrite);
        if (geo.Location?.Longitude is { } longitude) ev.TryAdd(side.Longitude, longitude, _overwrite);
    }

    public void Dispose() => _reader.Dispose();

    internal static string? DatabasePath(MaxMindGeoipExpertOptions options, ProgramContext context) =>
        options.Database.Length > 0 ? options.Database : context.DataDirectory is { } dir ? Path.Combine(dir, DefaultFileName) : null;

    /// <exception cref="ConfigurationException">The file is missing, is not a MaxMind database, or is of a kind without geolocation or AS numbers.</exception>
    internal static (Reader Reader, DatabaseKind Kind) Open(string path)
    {
        Reader reader;
        try
        {
            reader = new Reader(path, FileAccessMode.Memory);
        }
        catch (Exception ex) when (ex is IOException or InvalidDatabaseException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"maxmind-geoip-expert: {path}: cannot be read as a MaxMind database: {ex.Message}");
        }
        var type = reader.Metadata.DatabaseType;
        var kind = type.Contains("ASN", StringComparison.Ordinal) ? DatabaseKind.Asn
            : type.Contains("City", StringComparison.Ordinal) || type.Contains("Enterprise", StringComparison.Ordinal) ? DatabaseKind.City
            : type.Contains("Country", StringComparison.Ordinal) ? DatabaseKind.Country
            : (DatabaseKind?)null;
        if (kind is null)
        {
            reader.Dispose();
            throw new ConfigurationException($"maxmind-geoip-expert: {path}: a '{type}' database holds neither geolocation nor AS numbers; give a City, Country or ASN database.");
        }
        try
        {
            // A broken search tree shows only on lookups: try one of each family now rather than on the first events.
            foreach (var probe in Probes) Probe(reader, kind.Value, probe);
        }
        catch (InvalidDatabaseException ex)
        {
            reader.Dispose();
            throw new ConfigurationException($"maxmind-geoip-expert: {path}: the database is corrupt: {ex.Message}");
        }
        return (reader, kind.Value);
    }

    static void Probe(Reader reader, DatabaseKind kind, IPAddress address)
    {
        if (kind == DatabaseKind.Asn) reader.Find<AsRecord>(address);
        else reader.Find<GeoRecord>(address);
    }

    internal static string Describe(Reader reader) =>
        $"{reader.Metadata.DatabaseType} database built {reader.Metadata.BuildDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    internal enum DatabaseKind { City, Country, Asn }

    sealed record Side(string Name)
    {
        public string Ip { get; } = Name + ".ip";
        public string CountryCode { get; } = Name + ".geo.country_iso_code";
        public string City { get; } = Name + ".geo.city_name";
        public string Latitude { get; } = Name + ".geo.location.lat";
        public string Longitude { get; } = Name + ".geo.location.lon";
        public string Asn { get; } = Name + ".as.number";
        public string AsName { get; } = Name + ".as.organization.name";
        public string Network { get; } = Name + ".network";
    }
}
