using System.Globalization;
using System.Net;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
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
    // Networks remembered; past this many, they are forgotten and remembered again as they are met.
    const int RememberedNetworks = 65536;
    static readonly IPAddress[] Probes = [IPAddress.Parse("81.2.69.160"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("255.255.255.255")];

    readonly Reader _reader;
    readonly DatabaseKind _kind;
    readonly bool _overwrite, _useRegistered;
    // What the database says of each network looked up (nothing, for a network it does not hold): the database maps
    // every address to exactly one network, so an address in a network met before needs no lookup and no decoding.
    readonly PrefixMap<Located> _networks = new();

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
            if (ev[side.Ip] is string text && IPAddressText.TryParse(text, out var address, out var v4))
                Fill(ev, side, Locate(address, v4));
        output.Emit(ev);
    }

    Located Locate(UInt128 address, bool v4)
    {
        if (_networks.TryLookup(address, v4, out var known)) return known;
        var ip = IPAddressText.ToAddress(address, v4);
        int length;
        Located located;
        if (_kind == DatabaseKind.Asn)
            located = _reader.Find<AsRecord>(ip, out length) is { } asn
                ? new() { Asn = asn.Number, AsName = asn.Organization, Network = asn.Network.ToString() }
                : Located.Nothing;
        else
        {
            // A Country database's records have no city or location: the same record type reads both.
            located = _reader.Find<GeoRecord>(ip, out length) is { } geo
                ? new()
                {
                    CountryCode = (_useRegistered ? geo.RegisteredCountry : geo.Country)?.IsoCode, City = geo.City?.EnglishName,
                    Latitude = geo.Location?.Latitude, Longitude = geo.Location?.Longitude,
                }
                : Located.Nothing;
        }
        if (_networks.Count >= RememberedNetworks) _networks.Clear();
        _networks.Set(address, length, v4, located);
        return located;
    }

    void Fill(Event ev, Side side, Located located)
    {
        if (located == Located.Nothing) return;
        if (_kind == DatabaseKind.Asn)
        {
            if (located.Asn is { } number) ev.TryAdd(side.Asn, number, _overwrite);
            if (located.AsName is { } name) ev.TryAdd(side.AsName, name, _overwrite);
            ev.TryAdd(side.Network, located.Network, _overwrite);
            return;
        }
        if (located.CountryCode is { } code) ev.TryAdd(side.CountryCode, code, _overwrite);
        if (located.City is { } city) ev.TryAdd(side.City, city, _overwrite);
        if (located.Latitude is { } latitude) ev.TryAdd(side.Latitude, latitude, _overwrite);
        if (located.Longitude is { } longitude) ev.TryAdd(side.Longitude, longitude, _overwrite);
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

    /// <summary>What the database says of a network, as events are given it: numbers boxed once, for every event.</summary>
    sealed class Located
    {
        public static readonly Located Nothing = new();

        public string? CountryCode { get; init; }
        public string? City { get; init; }
        public object? Latitude { get; init; }
        public object? Longitude { get; init; }
        public object? Asn { get; init; }
        public string? AsName { get; init; }
        public string? Network { get; init; }
    }

    sealed record Side(string Name)
    {
        public string Ip { get; } = Name + ".ip";
        public FieldHandle CountryCode { get; } = Handle(Name + ".geo.country_iso_code");
        public FieldHandle City { get; } = Handle(Name + ".geo.city_name");
        public FieldHandle Latitude { get; } = Handle(Name + ".geo.location.lat");
        public FieldHandle Longitude { get; } = Handle(Name + ".geo.location.lon");
        public FieldHandle Asn { get; } = Handle(Name + ".as.number");
        public FieldHandle AsName { get; } = Handle(Name + ".as.organization.name");
        public FieldHandle Network { get; } = Handle(Name + ".network");

        static FieldHandle Handle(string path) => FieldCatalogue.Default.Handle(path)!;
    }
}
