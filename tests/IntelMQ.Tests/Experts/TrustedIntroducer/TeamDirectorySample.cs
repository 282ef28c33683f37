namespace IntelMQ.Tests.Experts.TrustedIntroducer;

/// <summary>
/// A team directory in the format of Trusted Introducer's teams.json (a list of teams: names, country, constituency
/// types, AS numbers, domains, IP ranges and countries, e-mails with their usage), written for these tests.
/// </summary>
static class TeamDirectorySample
{
    public const string Json = """
        [
          {
            "official_name": "Example National CERT",
            "short_name": "CERT.xa",
            "country": {"code": "AT", "name": "Austria"},
            "classification": {"code": "c", "name": "Certified", "since": "2018-02-05"},
            "constituency": {
              "types": ["National"],
              "asns": [],
              "domains": ["*.at", "*.wien", "*.versicherung"],
              "ipranges": [],
              "countries": [{"code": "AT", "name": "Austria"}]
            },
            "emails": [{"address": "info@cert.example", "usage": ["info"]}, {"address": "team@cert.example", "usage": ["contact"]}]
          },
          {
            "official_name": "Example Research Network CERT",
            "short_name": "NREN-CERT",
            "country": {"code": "AT", "name": "Austria"},
            "constituency": {
              "types": ["Research & Education"],
              "asns": [679, 760],
              "domains": ["*.ac.at", "uni.example.*"],
              "ipranges": ["192.0.2.0/24"],
              "countries": [{"code": "AT", "name": "Austria"}]
            },
            "emails": [{"address": "cert@nren.example", "usage": ["contact"]}]
          },
          {
            "official_name": "Example Team Without Contact",
            "short_name": "SILENT",
            "country": {"code": "DE", "name": "Germany"},
            "constituency": {"types": ["National"], "asns": [64500], "domains": ["*.de"], "ipranges": [], "countries": [{"code": "DE", "name": "Germany"}]},
            "emails": [{"address": "press@silent.example", "usage": ["press"]}]
          },
          {
            "official_name": "Example Second Research CERT",
            "short_name": "LATE",
            "country": {"code": "AT", "name": "Austria"},
            "constituency": {"types": ["Research & Education"], "asns": [760], "domains": ["*.ac.at"], "ipranges": [], "countries": []},
            "emails": [{"address": "late@nren.example", "usage": ["contact", "emergency"]}]
          },
          {
            "official_name": "Example Luxembourg CERT",
            "short_name": "CERT.LU",
            "country": {"code": "LU", "name": "Luxembourg"},
            "constituency": {"types": ["National", "Government"], "asns": [], "domains": [], "ipranges": [], "countries": []},
            "emails": [{"address": "info@lu-cert.example", "usage": ["contact"]}]
          }
        ]
        """;
}
