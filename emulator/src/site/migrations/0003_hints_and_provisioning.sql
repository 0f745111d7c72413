-- Version 3: the emulator's explanation of an event (never sent to clients), and the storage
-- the emulator provisioned (ProvisionMigrationContainers / ProvisionMigrationQueue).
ALTER TABLE job_events ADD COLUMN hint TEXT;

CREATE TABLE provisioned_resources (
    -- 'container' or 'queue'
    kind    TEXT NOT NULL CHECK (kind IN ('container', 'queue')),
    name    TEXT NOT NULL,
    site_id TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    created TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
