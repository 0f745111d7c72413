-- Version 5: what a package says about files and items beyond content and field values. The
-- service keeps these as data: web parts are stored on their page, event receivers and links
-- are recorded but never act (behaviour 127), alternate streams sit beside a version's primary
-- stream (behaviour 128).

-- NoScript (DenyAddAndCustomizePages) decides which web parts a page may receive (behaviour 159).
ALTER TABLE site_collections ADD COLUMN no_script INTEGER NOT NULL DEFAULT 0;

-- The streams of a version besides its primary one, unpacked from the zip the package gave.
CREATE TABLE file_alternate_streams (
    file_id        TEXT NOT NULL,
    version        INTEGER NOT NULL,
    name           TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    size           INTEGER NOT NULL,
    PRIMARY KEY (file_id, version, name),
    FOREIGN KEY (file_id, version) REFERENCES file_versions(file_id, version) ON DELETE CASCADE
);

-- Web parts of a page, in package order; `definition` is the WebPart element as JSON.
CREATE TABLE web_parts (
    file_id    TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    ordinal    INTEGER NOT NULL,
    id         TEXT NOT NULL,
    type_name  TEXT NOT NULL,
    zone_id    TEXT NOT NULL DEFAULT '',
    definition TEXT NOT NULL,
    PRIMARY KEY (file_id, ordinal)
);

-- Event receivers and links of a file or a list item (the item's unique id), as JSON of the
-- package element's attributes.
CREATE TABLE object_annotations (
    site_id    TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    object_id  TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('event_receiver', 'link')),
    ordinal    INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    PRIMARY KEY (object_id, kind, ordinal)
);

-- "Shared with Me" references a list item brings (SharedWithEvents), one row per receiving
-- user; `delivered` is when the import made it, for the 24-hour quota of behaviour 158.
CREATE TABLE shared_with_events (
    site_id      TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    object_id    TEXT NOT NULL,
    shared_time  TEXT NOT NULL,
    initiator_id INTEGER,
    shared_by_id INTEGER,
    member_id    INTEGER NOT NULL,
    delivered    TEXT NOT NULL
);
CREATE INDEX shared_with_member ON shared_with_events(site_id, member_id, delivered);

-- The package's `Field/@Type` of each value (Text, Number, Boolean, DateTime, User…), so values
-- read back with their type; NULL where the package gave none.
ALTER TABLE list_item_fields ADD COLUMN field_type TEXT;
