using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IntelMQ.Core;
using IntelMQ.Outputs.Mail;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace IntelMQ.Tests.Outputs;

public sealed class MailSigningTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("mail-signing-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static MailOutput Output(SmtpTestServer server, MailOutputOptions options) =>
        new(options with { SmtpHost = "127.0.0.1", SmtpPort = server.Port, MailFrom = "cert@example.org", SmtpTimeoutSec = 10, Fieldnames = ["source.ip"] }, ProgramContext.Default);

    static Event NewEvent()
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.ip")!, "192.0.2.1");
        ev.Add(DhoMapping.ToIdf("source.abuse_contact")!, "abuse@a.example");
        return ev;
    }

    /// <summary>A self-signed S/MIME certificate for cert@example.org with its key, in a PKCS#12 file.</summary>
    string SmimeCertificate(string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=CERT example, E=cert@example.org", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddEmailAddress("cert@example.org");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature | System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.NonRepudiation, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_root, "cert.p12");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>An OpenPGP key pair for cert@example.org: the armored secret key file (as gpg --export-secret-keys --armor writes) and the public key ring.</summary>
    (string Path, PgpPublicKeyRing Public) OpenPgpKey(string passphrase)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(0x10001), new SecureRandom(), 2048, 12));
        var pair = new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, generator.GenerateKeyPair(), DateTime.UtcNow);
        var flags = new PgpSignatureSubpacketGenerator();
        flags.SetKeyFlags(false, PgpKeyFlags.CanSign | PgpKeyFlags.CanCertify);
        var rings = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, pair, "CERT example <cert@example.org>", SymmetricKeyAlgorithmTag.Aes256,
            passphrase.ToCharArray(), true, flags.Generate(), null, new SecureRandom());
        var path = Path.Combine(_root, "key.asc");
        using (var file = File.Create(path))
        using (var armored = new ArmoredOutputStream(file))
            rings.GenerateSecretKeyRing().Encode(armored);
        return (path, rings.GeneratePublicKeyRing());
    }

    [Fact]
    public async Task An_smime_signed_mail_arrives_with_a_signature_of_the_certificate_that_verifies()
    {
        await using var server = SmtpTestServer.Start();
        using var output = Output(server, new() { SmimeCertificate = SmimeCertificate("p12 password"), SmimePassword = new("p12 password") });

        var results = new WriteResult[1];
        await output.WriteAsync([NewEvent()], results, Cancel);

        Assert.Equal(WriteResult.Written, results[0]);
        var (_, message) = Assert.Single(server.Received);
        var signed = Assert.IsType<MultipartSigned>(message.Body);
        Assert.Equal("application/pkcs7-signature", signed.ContentType.Parameters["protocol"]);
        using var context = new TemporarySecureMimeContext();
        var signature = Assert.Single(signed.Verify(context, Cancel));
        Assert.True(signature.Verify(verifySignatureOnly: true));
        Assert.Equal("cert@example.org", signature.SignerCertificate?.Email);
        Assert.Contains("192.0.2.1", ((TextPart)((Multipart)signed[0]).OfType<MimePart>().Single(p => p.IsAttachment)).Text);
    }

    [Fact]
    public async Task An_openpgp_signed_mail_arrives_with_a_signature_of_the_key_that_verifies()
    {
        await using var server = SmtpTestServer.Start();
        var (path, publicKey) = OpenPgpKey("the passphrase");
        using var output = Output(server, new() { GpgKey = path, GpgPass = new("the passphrase") });

        var results = new WriteResult[1];
        await output.WriteAsync([NewEvent()], results, Cancel);

        Assert.Equal(WriteResult.Written, results[0]);
        var (_, message) = Assert.Single(server.Received);
        var signed = Assert.IsType<MultipartSigned>(message.Body);
        Assert.Equal("application/pgp-signature", signed.ContentType.Parameters["protocol"]);
        Assert.Equal("pgp-sha256", signed.ContentType.Parameters["micalg"]);
        // RFC 3156: the signature covers the first part as sent, in canonical form (CRLF line ends).
        var content = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        signed[0].WriteTo(format, content, Cancel);
        var armored = new MemoryStream();
        ((MimePart)signed[1]).Content!.DecodeTo(armored, Cancel);
        armored.Position = 0;
        var signature = ((PgpSignatureList)new PgpObjectFactory(PgpUtilities.GetDecoderStream(armored)).NextPgpObject())[0];
        Assert.Equal(publicKey.GetPublicKey().KeyId, signature.KeyId);
        signature.InitVerify(publicKey.GetPublicKey());
        signature.Update(content.ToArray());
        Assert.True(signature.Verify());
        Assert.Contains("192.0.2.1", ((Multipart)signed[0]).OfType<TextPart>().Single(p => p.IsAttachment).Text);
    }

    [Fact]
    public async Task A_wrong_passphrase_or_a_key_that_is_not_a_file_stops_the_start()
    {
        await using var server = SmtpTestServer.Start();
        var (path, _) = OpenPgpKey("right");

        var wrong = Assert.Throws<ConfigurationException>(() => Output(server, new() { GpgKey = path, GpgPass = new("wrong") }));
        Assert.Contains("gpg_pass", wrong.Message);
        var fingerprint = Assert.Throws<ConfigurationException>(() => Output(server, new() { GpgKey = "0123456789ABCDEF0123456789ABCDEF01234567" }));
        Assert.Contains("gpg --export-secret-keys --armor", fingerprint.Message);
        var p12 = Assert.Throws<ConfigurationException>(() => Output(server, new() { SmimeCertificate = SmimeCertificate("right"), SmimePassword = new("wrong") }));
        Assert.Contains("smime_password", p12.Message);
    }
}
