using IntelMQ.Contract;

namespace IntelMQ.Experts.MaxMindGeoip;

public sealed record MaxMindGeoipExpertOptions
{
    [Option("The MaxMind database (.mmdb): a City or Country database for geolocation, an ASN database for AS numbers; empty means GeoLite2-City.mmdb in the program's data directory.")]
    public string Database { get; set; } = "";

    [Option("Replace a geolocation or AS field the event already has.")]
    public bool Overwrite { get; set; }

    [Option("Take the country code from the country where the network is registered (registered_country) instead of where the address is located.")]
    public bool UseRegistered { get; set; }

    [Option("MaxMind licence key, needed by --self-update-db to download the database's edition.")]
    public Secret LicenseKey { get; set; } = new("");

    [Option("Where --self-update-db downloads from: {edition} becomes the database's edition (GeoLite2-City, ...) and {license_key} the key; the answer is a .tar.gz holding the .mmdb.")]
    public string DownloadUrl { get; set; } = "https://download.maxmind.com/app/geoip_download?edition_id={edition}&license_key={license_key}&suffix=tar.gz";
}
