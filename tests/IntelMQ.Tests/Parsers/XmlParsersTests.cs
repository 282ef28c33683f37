using IntelMQ.Parsers.CertEu;
using IntelMQ.Parsers.CleanMx;
using IntelMQ.Parsers.FireEye;

namespace IntelMQ.Tests.Parsers;

public sealed class XmlParsersTests
{
    const string Phishing = "http://support.clean-mx.de/clean-mx/xmlphishing?response=alive&domain=";

    [Fact]
    public void A_cleanmx_entry_is_kept_as_elementtree_writes_it()
    {
        var body = "<?xml version=\"1.0\"?>\n<output><entries>\n<entry>\n\t<first>1502031590</first>\n\t<url><![CDATA[http://a.example/?x=1&y=2]]></url>\n\t<ns3></ns3>\n</entry>\n</entries></output>";
        var ev = Assert.Single(CollectingEmitter.Run(new CleanMxParser(), body, ("feed.url", Phishing)).Events);
        Assert.Equal("<entry>\n\t<first>1502031590</first>\n\t<url>http://a.example/?x=1&amp;y=2</url>\n\t<ns3 />\n</entry>\n", ev["event.original"]);
        Assert.Equal("http://a.example/?x=1&y=2", ev["source.url.full"]);
    }

    [Fact]
    public void A_cleanmx_entry_with_a_bad_time_is_rejected_and_the_next_parses()
    {
        var body = "<output><entries><entry><first>soon</first></entry><entry><first>1502031590</first><domain>example.com</domain></entry></entries></output>";
        var output = CollectingEmitter.Run(new CleanMxParser(), body, ("feed.url", Phishing));
        Assert.Equal("entry 1", Assert.Single(output.Rejected).Position);
        Assert.Equal("example.com", Assert.Single(output.Events)["source.domain"]);
    }

    [Fact]
    public void A_fireeye_document_that_is_not_xml_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => CollectingEmitter.Run(new FireEyeParser(), "<OpenIOC><criteria>"));
    }

    [Fact]
    public void Cert_eu_scales_the_feed_accuracy_by_the_confidence_level()
    {
        var body = "source ip,type,confidence level\n192.0.2.1,phishing,80\n192.0.2.2,phishing,\"unclosed\n";
        var output = CollectingEmitter.Run(new CertEuCsvParser(), body, ("feed.accuracy", 50.0));
        var ev = Assert.Single(output.Events);
        Assert.Equal(40.0, ev["feed.accuracy"]);
        Assert.Equal("line 3", Assert.Single(output.Rejected).Position);
    }
}
