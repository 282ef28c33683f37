using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IntelMQ.Contract;

namespace IntelMQ.Collectors;

/// <summary>How a TLS server's certificate is checked, as IntelMQ's http_verify_cert and ssl_ca_certificate say.</summary>
public static class CertificateTrust
{
    /// <summary>The check for a setting: true (the system's CAs: null), false (none), or a PEM file or directory of trusted CAs.</summary>
    /// <exception cref="ConfigurationException">A path that holds no readable certificate.</exception>
    public static RemoteCertificateValidationCallback? Callback(string verify, string option, string owner)
    {
        switch (verify.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "1" or "":
                return null;
            case "false" or "no" or "0":
                return (_, _, _, _) => true;
        }
        var trusted = new X509Certificate2Collection();
        try
        {
            var files = Directory.Exists(verify) ? Directory.EnumerateFiles(verify).Where(f => f.EndsWith(".pem") || f.EndsWith(".crt")) : [verify];
            foreach (var file in files) trusted.ImportFromPemFile(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigurationException($"{owner}: {option} '{verify}' is neither true, false nor a readable PEM file or directory of CA certificates: {ex.Message}");
        }
        if (trusted.Count == 0) throw new ConfigurationException($"{owner}: {option} '{verify}' holds no certificate.");
        return (_, certificate, chain, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
                foreach (var element in chain.ChainElements.Skip(1)) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
    }
}
