namespace IntelMQ.Core;

/// <summary>The semantic type of an IDF field: what a value must look like and how it is normalised.</summary>
public enum FieldType
{
    Keyword, Text, Lowercase, Uppercase, Ip, Cidr, Fqdn, Url, Port, Asn, Integer, Float, Boolean,
    DateTime, Country, Md5, Sha1, Sha256, Sha512, Taxonomy, ClassificationType, Tlp, Accuracy,
    Registry, Uuid, Json, Links,
}
