using MaxMind.Db;

namespace IntelMQ.Experts.MaxMindGeoip;

/// <summary>
/// The parts of a City or Country database's record the expert writes. The reader decodes only these, where GeoIP2's
/// responses decode the whole record (names in every language, subdivisions, traits): 2 KB per located address.
/// </summary>
sealed class GeoRecord
{
    [Constructor]
    public GeoRecord([MapKey("country")] Area? country, [MapKey("registered_country")] Area? registeredCountry,
        [MapKey("city")] Area? city, [MapKey("location")] Coordinates? location)
    {
        Country = country;
        RegisteredCountry = registeredCountry;
        City = city;
        Location = location;
    }

    public Area? Country { get; }
    public Area? RegisteredCountry { get; }
    public Area? City { get; }
    public Coordinates? Location { get; }

    public sealed class Area
    {
        [Constructor]
        public Area([MapKey("iso_code")] string? isoCode, [MapKey("names")] Names? names)
        {
            IsoCode = isoCode;
            EnglishName = names?.English;
        }

        public string? IsoCode { get; }
        public string? EnglishName { get; }
    }

    public sealed class Names
    {
        [Constructor]
        public Names([MapKey("en")] string? english) => English = english;

        public string? English { get; }
    }

    public sealed class Coordinates
    {
        [Constructor]
        public Coordinates([MapKey("latitude")] double? latitude, [MapKey("longitude")] double? longitude)
        {
            Latitude = latitude;
            Longitude = longitude;
        }

        public double? Latitude { get; }
        public double? Longitude { get; }
    }
}
