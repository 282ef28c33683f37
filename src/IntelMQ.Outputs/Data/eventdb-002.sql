-- eventdb version 2: where `intelmq db import-intelmq` got to in each IntelMQ events table it imports, committed
-- with every batch, so that an import that was stopped goes on after its last batch.
CREATE TABLE eventdb.import_progress (
    source text PRIMARY KEY,
    last_id bigint NOT NULL,
    imported bigint NOT NULL DEFAULT 0,
    refused bigint NOT NULL DEFAULT 0,
    updated timestamptz NOT NULL DEFAULT now()
);
