using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IntelMQ.Tests.Collectors;

/// <summary>A private CA with a server certificate for 127.0.0.1 and a client certificate, made for one test and written as PEM files.</summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates(string directory)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=IntelMQ test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Server = Issue("CN=127.0.0.1", server: true);
        Client = Issue("CN=intelmq-collector", server: false);
        AuthorityPem = Path.Combine(directory, "ca.pem");
        ClientPem = Path.Combine(directory, "client.pem");
        File.WriteAllText(AuthorityPem, Authority.ExportCertificatePem());
        File.WriteAllText(ClientPem, Client.ExportCertificatePem() + "\n" + Client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Authority { get; }
    public X509Certificate2 Server { get; }
    public X509Certificate2 Client { get; }
    public string AuthorityPem { get; }

    /// <summary>The client certificate and its private key in one PEM file.</summary>
    public string ClientPem { get; }

    X509Certificate2 Issue(string subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        // Kestrel wants a key it can hand to the platform, which a PKCS#12 round trip gives.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
        Client.Dispose();
    }
}
