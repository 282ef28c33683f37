-- eventdb version 1: reference tables, the event table partitioned by time, partition management and the flat view.
-- Run by `intelmq db init` / `migrate` in one transaction; eventdb.partition_interval (a session setting) is the interval.
CREATE SCHEMA eventdb;

CREATE TABLE eventdb.schema_version (
    version integer PRIMARY KEY,
    applied timestamptz NOT NULL DEFAULT now(),
    description text NOT NULL
);

-- partition_interval: day, week, month or year, fixed at init; detached_before: no partition starts before it any more.
CREATE TABLE eventdb.setting (
    name text PRIMARY KEY,
    value text
);
INSERT INTO eventdb.setting VALUES
    ('partition_interval', coalesce(nullif(current_setting('eventdb.partition_interval', true), ''), 'month')),
    ('detached_before', NULL);

-- Reference rows are keyed by a UUID derived from their values (by the writer), so a writer inserts them with
-- ON CONFLICT DO NOTHING and references them without reading them back.
CREATE TABLE eventdb.feed (
    id uuid PRIMARY KEY,
    name text,
    provider text,
    accuracy real,
    code text,
    documentation text,
    url text
);
CREATE INDEX feed_name ON eventdb.feed (name);
CREATE INDEX feed_code ON eventdb.feed (code);

CREATE TABLE eventdb.classification (
    id uuid PRIMARY KEY,
    taxonomy text,
    type text,
    identifier text
);
CREATE INDEX classification_type ON eventdb.classification (type);

-- What the AS and geolocation experts say about an address's network: one row per distinct combination.
CREATE TABLE eventdb.network (
    id uuid PRIMARY KEY,
    asn bigint,
    as_name text,
    network inet,
    registry text,
    country text
);
CREATE INDEX network_asn ON eventdb.network (asn);
CREATE INDEX network_network ON eventdb.network USING gist (network inet_ops);
CREATE INDEX network_country ON eventdb.network (country);

CREATE TABLE eventdb.contact (
    id uuid PRIMARY KEY,
    abuse_contact text NOT NULL
);
CREATE INDEX contact_abuse_contact ON eventdb.contact (abuse_contact);

-- time is time.source, else time.observation: the partition key. The event's id is its IDF id (stable, from its
-- content), so a replayed event conflicts with itself and is not written twice.
CREATE TABLE eventdb.event (
    id uuid NOT NULL,
    time timestamptz NOT NULL,
    seq bigserial,
    time_source timestamptz,
    time_observation timestamptz,
    feed_id uuid REFERENCES eventdb.feed,
    classification_id uuid REFERENCES eventdb.classification,
    source_ip inet,
    source_port integer,
    source_fqdn text,
    source_url text,
    source_network_id uuid REFERENCES eventdb.network,
    source_contact_id uuid REFERENCES eventdb.contact,
    destination_ip inet,
    destination_port integer,
    destination_fqdn text,
    destination_url text,
    destination_network_id uuid REFERENCES eventdb.network,
    destination_contact_id uuid REFERENCES eventdb.contact,
    original text,
    custom jsonb,
    attributes jsonb,
    PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);
CREATE INDEX event_time ON eventdb.event (time);
CREATE INDEX event_source_ip ON eventdb.event (source_ip);
CREATE INDEX event_destination_ip ON eventdb.event (destination_ip);
CREATE INDEX event_source_fqdn ON eventdb.event (source_fqdn);
CREATE INDEX event_source_network ON eventdb.event (source_network_id, time);
CREATE INDEX event_feed ON eventdb.event (feed_id, time);
CREATE INDEX event_classification ON eventdb.event (classification_id, time);

-- The partitions made so far, with their bounds; detached ones stay listed with the time they were detached.
CREATE TABLE eventdb.partition (
    name text PRIMARY KEY,
    starts timestamptz NOT NULL UNIQUE,
    ends timestamptz NOT NULL,
    detached timestamptz
);

-- Creates the partitions that hold the given times, unless they lie before detached_before, which it returns.
-- Serialised by an advisory lock, so several writers creating the same month create it once.
CREATE FUNCTION eventdb.ensure_partitions(times timestamptz[]) RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    unit text;
    retained timestamptz;
    period timestamptz;
    period_end timestamptz;
    partition_name text;
BEGIN
    PERFORM pg_advisory_xact_lock(4242001);
    SELECT value INTO unit FROM eventdb.setting WHERE name = 'partition_interval';
    SELECT value::timestamptz INTO retained FROM eventdb.setting WHERE name = 'detached_before';
    FOR period IN SELECT DISTINCT date_trunc(unit, t, 'UTC') FROM unnest(times) t WHERE t IS NOT NULL LOOP
        CONTINUE WHEN period < retained OR EXISTS (SELECT FROM eventdb.partition p WHERE p.starts = period);
        period_end := ((period AT TIME ZONE 'UTC') + ('1 ' || unit)::interval) AT TIME ZONE 'UTC';
        partition_name := 'event_' || to_char(period AT TIME ZONE 'UTC', CASE unit
            WHEN 'day' THEN 'YYYY_MM_DD' WHEN 'week' THEN 'IYYY_"w"IW' WHEN 'month' THEN 'YYYY_MM' ELSE 'YYYY' END);
        EXECUTE format('CREATE TABLE IF NOT EXISTS eventdb.%I PARTITION OF eventdb.event FOR VALUES FROM (%L) TO (%L)',
            partition_name, period, period_end);
        INSERT INTO eventdb.partition (name, starts, ends) VALUES (partition_name, period, period_end);
    END LOOP;
    RETURN retained;
END
$$;

-- IntelMQ's flat events table (intelmq_psql_initdb), as a view: the same column names, so existing queries and
-- reports work with search_path = eventdb. extra is the event's custom object; raw is event.original in base64.
CREATE VIEW eventdb.events AS
SELECT
    e.seq AS "id",
    c.identifier AS "classification.identifier",
    c.taxonomy AS "classification.taxonomy",
    c.type AS "classification.type",
    e.attributes ->> 'comment' AS "comment",
    dc.abuse_contact AS "destination.abuse_contact",
    e.attributes ->> 'destination.user.name' AS "destination.account",
    (e.attributes ->> 'destination.allocated')::timestamptz AS "destination.allocated",
    dn.as_name AS "destination.as_name",
    dn.asn AS "destination.asn",
    e.attributes ->> 'destination.top_level_domain' AS "destination.domain_suffix",
    e.destination_fqdn AS "destination.fqdn",
    dn.country AS "destination.geolocation.cc",
    e.attributes ->> 'destination.geo.city_name' AS "destination.geolocation.city",
    e.attributes ->> 'destination.geo.country_name' AS "destination.geolocation.country",
    (e.attributes ->> 'destination.geo.location.lat')::real AS "destination.geolocation.latitude",
    (e.attributes ->> 'destination.geo.location.lon')::real AS "destination.geolocation.longitude",
    e.attributes ->> 'destination.geo.region_name' AS "destination.geolocation.region",
    e.attributes ->> 'destination.geo.state' AS "destination.geolocation.state",
    e.destination_ip AS "destination.ip",
    e.attributes ->> 'destination.local_hostname' AS "destination.local_hostname",
    (e.attributes ->> 'destination.local_ip')::inet AS "destination.local_ip",
    dn.network AS "destination.network",
    e.destination_port AS "destination.port",
    dn.registry AS "destination.registry",
    e.attributes ->> 'destination.reverse_dns' AS "destination.reverse_dns",
    (e.attributes ->> 'destination.tor_node')::boolean AS "destination.tor_node",
    e.destination_url AS "destination.url",
    e.attributes ->> 'destination.url.path' AS "destination.urlpath",
    e.attributes ->> 'event_description.target' AS "event_description.target",
    e.attributes ->> 'message' AS "event_description.text",
    e.attributes ->> 'event.reference' AS "event_description.url",
    e.attributes ->> 'event.hash' AS "event_hash",
    e.custom::json AS "extra",
    f.accuracy AS "feed.accuracy",
    f.code AS "feed.code",
    f.documentation AS "feed.documentation",
    f.name AS "feed.name",
    f.provider AS "feed.provider",
    f.url AS "feed.url",
    e.attributes ->> 'file.hash.md5' AS "malware.hash.md5",
    e.attributes ->> 'file.hash.sha1' AS "malware.hash.sha1",
    e.attributes ->> 'file.hash.sha256' AS "malware.hash.sha256",
    e.attributes ->> 'threat.software.name' AS "malware.name",
    e.attributes ->> 'threat.software.version' AS "malware.version",
    e.attributes ->> 'misp.attribute_uuid' AS "misp.attribute_uuid",
    e.attributes ->> 'misp.event_uuid' AS "misp.event_uuid",
    (e.attributes -> 'output')::json AS "output",
    e.attributes ->> 'network.protocol' AS "protocol.application",
    e.attributes ->> 'network.transport' AS "protocol.transport",
    translate(encode(convert_to(e.original, 'UTF8'), 'base64'), E'\n', '') AS "raw",
    (e.attributes ->> 'rtir_id')::integer AS "rtir_id",
    e.attributes ->> 'screenshot_url' AS "screenshot_url",
    sc.abuse_contact AS "source.abuse_contact",
    e.attributes ->> 'source.user.name' AS "source.account",
    (e.attributes ->> 'source.allocated')::timestamptz AS "source.allocated",
    sn.as_name AS "source.as_name",
    sn.asn AS "source.asn",
    e.attributes ->> 'source.top_level_domain' AS "source.domain_suffix",
    e.source_fqdn AS "source.fqdn",
    sn.country AS "source.geolocation.cc",
    e.attributes ->> 'source.geo.city_name' AS "source.geolocation.city",
    e.attributes ->> 'source.geo.country_name' AS "source.geolocation.country",
    e.attributes ->> 'source.geo.cymru_cc' AS "source.geolocation.cymru_cc",
    e.attributes ->> 'source.geo.geoip_cc' AS "source.geolocation.geoip_cc",
    (e.attributes ->> 'source.geo.location.lat')::real AS "source.geolocation.latitude",
    (e.attributes ->> 'source.geo.location.lon')::real AS "source.geolocation.longitude",
    e.attributes ->> 'source.geo.region_name' AS "source.geolocation.region",
    e.attributes ->> 'source.geo.state' AS "source.geolocation.state",
    e.source_ip AS "source.ip",
    e.attributes ->> 'source.local_hostname' AS "source.local_hostname",
    (e.attributes ->> 'source.local_ip')::inet AS "source.local_ip",
    sn.network AS "source.network",
    e.source_port AS "source.port",
    sn.registry AS "source.registry",
    e.attributes ->> 'source.reverse_dns' AS "source.reverse_dns",
    (e.attributes ->> 'source.tor_node')::boolean AS "source.tor_node",
    e.source_url AS "source.url",
    e.attributes ->> 'source.url.path' AS "source.urlpath",
    e.attributes ->> 'status' AS "status",
    e.time_observation AS "time.observation",
    e.time_source AS "time.source",
    e.attributes ->> 'threat.indicator.marking.tlp' AS "tlp"
FROM eventdb.event e
LEFT JOIN eventdb.feed f ON f.id = e.feed_id
LEFT JOIN eventdb.classification c ON c.id = e.classification_id
LEFT JOIN eventdb.network sn ON sn.id = e.source_network_id
LEFT JOIN eventdb.contact sc ON sc.id = e.source_contact_id
LEFT JOIN eventdb.network dn ON dn.id = e.destination_network_id
LEFT JOIN eventdb.contact dc ON dc.id = e.destination_contact_id;
