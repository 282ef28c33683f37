using IntelMQ.Contract;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace IntelMQ.Outputs.Mail;

/// <summary>Signs a mail's body, S/MIME (a PKCS#12 certificate and key) or OpenPGP (an armored secret key), as multipart/signed.</summary>
internal sealed class MailSigner : IDisposable
{
    const string Program = "mail-output";

    readonly CmsSigner? _cms;
    readonly SecureMimeContext? _smime;
    readonly PgpSecretKey? _pgpKey;
    readonly PgpPrivateKey? _pgpPrivate;

    MailSigner(CmsSigner cms, SecureMimeContext context) => (_cms, _smime) = (cms, context);

    MailSigner(PgpSecretKey key, PgpPrivateKey privateKey) => (_pgpKey, _pgpPrivate) = (key, privateKey);

    /// <summary>The signer the options ask for, null when they ask for none; tried once, so a wrong password fails at start.</summary>
    public static MailSigner? Create(MailOutputOptions options)
    {
        if (options.SmimeCertificate.Length > 0 && options.GpgKey.Length > 0)
            throw new ConfigurationException($"{Program}: options 'smime_certificate' and 'gpg_key' both given; sign with one of S/MIME or OpenPGP.");
        MailSigner? signer = null;
        if (options.SmimeCertificate.Length > 0) signer = SecureMime(options.SmimeCertificate, options.SmimePassword);
        else if (options.GpgKey.Length > 0) signer = OpenPgp(options.GpgKey, options.GpgPass);
        if (signer is null) return null;
        try
        {
            signer.Sign(new TextPart("plain") { Text = "test" });
        }
        catch (Exception ex) when (ex is not ConfigurationException)
        {
            signer.Dispose();
            throw new ConfigurationException($"{Program}: cannot sign with the key given ({ex.Message}); check {(options.SmimeCertificate.Length > 0 ? "smime_password" : "gpg_pass")}.");
        }
        return signer;
    }

    static MailSigner SecureMime(string path, Secret password)
    {
        try
        {
            using var file = File.OpenRead(path);
            return new MailSigner(new CmsSigner(file, password.Reveal()) { DigestAlgorithm = DigestAlgorithm.Sha256 }, new TemporarySecureMimeContext());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or FormatException or Org.BouncyCastle.Security.GeneralSecurityException
                                       or Org.BouncyCastle.Crypto.CryptoException or Org.BouncyCastle.Pkcs.PkcsException)
        {
            throw new ConfigurationException($"{Program}: option 'smime_certificate': cannot read the PKCS#12 file '{path}' ({ex.Message}); give a .p12/.pfx holding the certificate and its key, and its password in smime_password.");
        }
    }

    static MailSigner OpenPgp(string path, Secret passphrase)
    {
        if (!File.Exists(path))
            throw new ConfigurationException($"{Program}: option 'gpg_key': '{path}' is not a file. Give an ASCII-armored secret key file, exported with: gpg --export-secret-keys --armor FINGERPRINT > key.asc (IntelMQ's fingerprint of a key in ~/.gnupg is not used).");
        PgpSecretKey? key;
        try
        {
            using var file = File.OpenRead(path);
            var bundle = new PgpSecretKeyRingBundle(PgpUtilities.GetDecoderStream(file));
            key = bundle.GetKeyRings().SelectMany(ring => ring.GetSecretKeys()).FirstOrDefault(k => k.IsSigningKey && !k.IsPrivateKeyEmpty);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PgpException)
        {
            throw new ConfigurationException($"{Program}: option 'gpg_key': cannot read the OpenPGP secret key file '{path}' ({ex.Message}); export it with gpg --export-secret-keys --armor.");
        }
        if (key is null) throw new ConfigurationException($"{Program}: option 'gpg_key': '{path}' holds no secret key that can sign.");
        try
        {
            return new MailSigner(key, key.ExtractPrivateKey(passphrase.Reveal().ToCharArray()));
        }
        catch (PgpException ex)
        {
            throw new ConfigurationException($"{Program}: cannot unlock the secret key of '{path}' ({ex.Message}); check gpg_pass.");
        }
    }

    /// <summary>The body wrapped in multipart/signed with a detached signature.</summary>
    public MimeEntity Sign(MimeEntity body) => _cms is not null ? MultipartSigned.Create(_smime!, _cms, body) : SignOpenPgp(body);

    /// <summary>
    /// RFC 3156: the body in its canonical form (7bit, CRLF) signed with a detached, armored signature, the signed part
    /// parsed back from those very bytes so that what is sent is what was signed.
    /// </summary>
    MimeEntity SignOpenPgp(MimeEntity body)
    {
        body.Prepare(EncodingConstraint.SevenBit, 78);
        var canonical = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        body.WriteTo(format, canonical);
        var generator = new PgpSignatureGenerator(_pgpKey!.PublicKey.Algorithm, HashAlgorithmTag.Sha256);
        generator.InitSign(PgpSignature.BinaryDocument, _pgpPrivate!);
        var subpackets = new PgpSignatureSubpacketGenerator();
        subpackets.SetSignatureCreationTime(false, DateTime.UtcNow);
        subpackets.SetIssuerKeyID(false, _pgpKey.KeyId);
        generator.SetHashedSubpackets(subpackets.Generate());
        generator.Update(canonical.GetBuffer(), 0, (int)canonical.Length);
        var signature = new MemoryStream();
        using (var armored = new ArmoredOutputStream(signature)) generator.Generate().Encode(armored);
        signature.Position = 0;
        canonical.Position = 0;
        var signed = new MultipartSigned();
        signed.ContentType.Parameters["protocol"] = "application/pgp-signature";
        signed.ContentType.Parameters["micalg"] = "pgp-sha256";
        signed.Add(new MimeParser(canonical, MimeFormat.Entity).ParseEntity());
        signed.Add(new MimePart("application", "pgp-signature") { Content = new MimeContent(signature), ContentTransferEncoding = ContentEncoding.SevenBit });
        return signed;
    }

    public void Dispose() => _smime?.Dispose();
}
