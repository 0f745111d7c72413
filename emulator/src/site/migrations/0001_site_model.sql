-- Version 1: the SharePoint site model, jobs and their outputs.
-- GUIDs are TEXT, lowercase and hyphenated; times are TEXT, RFC 3339 UTC with milliseconds.
-- URLs are server-relative, compared case-insensitively as SharePoint does.

CREATE TABLE site_collections (
    id                  TEXT PRIMARY KEY,
    server_relative_url TEXT NOT NULL UNIQUE COLLATE NOCASE,
    root_web_id         TEXT NOT NULL,
    -- Users and groups share one principal id space per site collection.
    next_principal_id   INTEGER NOT NULL,
    created             TEXT NOT NULL
);

CREATE TABLE webs (
    id                  TEXT PRIMARY KEY,
    site_id             TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    parent_web_id       TEXT REFERENCES webs(id) ON DELETE CASCADE,
    server_relative_url TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    web_template        TEXT NOT NULL,
    configuration       INTEGER NOT NULL,
    language            INTEGER NOT NULL,
    created             TEXT NOT NULL,
    last_modified       TEXT NOT NULL
);
CREATE INDEX webs_site ON webs(site_id);

CREATE TABLE lists (
    id                    TEXT PRIMARY KEY,
    web_id                TEXT NOT NULL REFERENCES webs(id) ON DELETE CASCADE,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    base_template         INTEGER NOT NULL,
    base_type             INTEGER NOT NULL,
    hidden                INTEGER NOT NULL DEFAULT 0,
    enable_versioning     INTEGER NOT NULL DEFAULT 1,
    enable_minor_versions INTEGER NOT NULL DEFAULT 0,
    root_folder_id        TEXT NOT NULL UNIQUE
                          REFERENCES folders(id) DEFERRABLE INITIALLY DEFERRED,
    -- List item ids are allocated per list and never reused.
    next_item_id          INTEGER NOT NULL DEFAULT 1,
    created               TEXT NOT NULL,
    last_modified         TEXT NOT NULL
);
CREATE UNIQUE INDEX lists_title ON lists(web_id, title COLLATE NOCASE);

CREATE TABLE folders (
    id                  TEXT PRIMARY KEY,
    web_id              TEXT NOT NULL REFERENCES webs(id) ON DELETE CASCADE,
    list_id             TEXT REFERENCES lists(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    parent_id           TEXT REFERENCES folders(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    server_relative_url TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- The folder's list item; NULL for a list's root folder.
    item_id             INTEGER,
    time_created        TEXT NOT NULL,
    time_last_modified  TEXT NOT NULL,
    properties          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX folders_parent ON folders(parent_id);

CREATE TABLE files (
    id                  TEXT PRIMARY KEY,
    web_id              TEXT NOT NULL REFERENCES webs(id) ON DELETE CASCADE,
    list_id             TEXT REFERENCES lists(id) ON DELETE CASCADE,
    folder_id           TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    server_relative_url TEXT NOT NULL UNIQUE COLLATE NOCASE,
    item_id             INTEGER,
    author_id           INTEGER,
    modified_by_id      INTEGER,
    time_created        TEXT NOT NULL,
    time_last_modified  TEXT NOT NULL,
    properties          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX files_folder ON files(folder_id);

-- Every version of a file, the current one included (the highest version number).
-- version = major * 512 + minor, SharePoint's internal numbering; content lives in the
-- content-addressed store under the data directory, named by its SHA-256.
CREATE TABLE file_versions (
    file_id         TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    content_sha256  TEXT NOT NULL,
    size            INTEGER NOT NULL,
    created         TEXT NOT NULL,
    created_by_id   INTEGER,
    checkin_comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (file_id, version)
);

CREATE TABLE list_items (
    list_id           TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    id                INTEGER NOT NULL,
    unique_id         TEXT NOT NULL UNIQUE,
    content_type_id   TEXT NOT NULL,
    file_id           TEXT REFERENCES files(id) ON DELETE CASCADE,
    folder_id         TEXT REFERENCES folders(id) ON DELETE CASCADE,
    -- The folder the item sits in (for plain list items; files and folders know theirs).
    parent_folder_id  TEXT REFERENCES folders(id) ON DELETE CASCADE,
    author_id         INTEGER,
    editor_id         INTEGER,
    created           TEXT NOT NULL,
    modified          TEXT NOT NULL,
    moderation_status INTEGER NOT NULL DEFAULT 0,
    version           INTEGER NOT NULL DEFAULT 512,
    PRIMARY KEY (list_id, id)
);

CREATE TABLE list_item_fields (
    list_id TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    name    TEXT NOT NULL,
    value   TEXT,
    PRIMARY KEY (list_id, item_id, name),
    FOREIGN KEY (list_id, item_id) REFERENCES list_items(list_id, id) ON DELETE CASCADE
);

-- Earlier versions of an item; fields as a JSON object of name -> value.
CREATE TABLE list_item_versions (
    list_id   TEXT NOT NULL,
    item_id   INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    created   TEXT NOT NULL,
    editor_id INTEGER,
    fields    TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (list_id, item_id, version),
    FOREIGN KEY (list_id, item_id) REFERENCES list_items(list_id, id) ON DELETE CASCADE
);

CREATE TABLE attachments (
    list_id        TEXT NOT NULL,
    item_id        INTEGER NOT NULL,
    file_name      TEXT NOT NULL COLLATE NOCASE,
    content_sha256 TEXT NOT NULL,
    size           INTEGER NOT NULL,
    PRIMARY KEY (list_id, item_id, file_name),
    FOREIGN KEY (list_id, item_id) REFERENCES list_items(list_id, id) ON DELETE CASCADE
);

CREATE TABLE users (
    site_id       TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    id            INTEGER NOT NULL,
    login_name    TEXT NOT NULL,
    title         TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    is_site_admin INTEGER NOT NULL DEFAULT 0,
    is_deleted    INTEGER NOT NULL DEFAULT 0,
    -- UserGroup.xml SystemId (binary), when the user came from a package.
    system_id     BLOB,
    PRIMARY KEY (site_id, id)
);
CREATE UNIQUE INDEX users_login ON users(site_id, login_name COLLATE NOCASE);

CREATE TABLE groups (
    site_id     TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id    INTEGER,
    PRIMARY KEY (site_id, id)
);
CREATE UNIQUE INDEX groups_title ON groups(site_id, title COLLATE NOCASE);

CREATE TABLE group_members (
    site_id  TEXT NOT NULL,
    group_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (site_id, group_id, user_id),
    FOREIGN KEY (site_id, group_id) REFERENCES groups(site_id, id) ON DELETE CASCADE,
    FOREIGN KEY (site_id, user_id) REFERENCES users(site_id, id) ON DELETE CASCADE
);

CREATE TABLE role_definitions (
    site_id          TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    id               INTEGER NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    -- SP.BasePermissions as two 32-bit halves, as SharePoint reports them.
    permissions_high INTEGER NOT NULL,
    permissions_low  INTEGER NOT NULL,
    role_type_kind   INTEGER NOT NULL,
    hidden           INTEGER NOT NULL DEFAULT 0,
    sort_order       INTEGER NOT NULL,
    -- Built-in definitions cannot be changed by a package.
    is_system        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, id)
);
CREATE UNIQUE INDEX role_definitions_name ON role_definitions(site_id, name COLLATE NOCASE);

-- An object with unique permissions. Objects without a row inherit from their parent.
CREATE TABLE security_scopes (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    object_kind TEXT NOT NULL CHECK (object_kind IN ('web', 'list', 'folder', 'file', 'item')),
    object_id   TEXT NOT NULL,
    UNIQUE (object_kind, object_id)
);

CREATE TABLE role_assignments (
    scope_id           TEXT NOT NULL REFERENCES security_scopes(id) ON DELETE CASCADE,
    principal_id       INTEGER NOT NULL,
    role_definition_id INTEGER NOT NULL,
    PRIMARY KEY (scope_id, principal_id, role_definition_id)
);

-- Site content types have scope ''; list content types have the list id as scope.
CREATE TABLE content_types (
    site_id    TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    group_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (site_id, scope, id)
);

CREATE TABLE jobs (
    id             TEXT PRIMARY KEY,
    site_id        TEXT NOT NULL REFERENCES site_collections(id) ON DELETE CASCADE,
    web_id         TEXT NOT NULL,
    state          TEXT NOT NULL,
    source_uri     TEXT NOT NULL,
    manifest_uri   TEXT NOT NULL,
    queue_uri      TEXT,
    encryption_key BLOB,
    attempt        INTEGER NOT NULL DEFAULT 0,
    created        TEXT NOT NULL,
    next_pickup    TEXT,
    ended          TEXT
);
CREATE INDEX jobs_state ON jobs(state);

-- Every event a job emitted, in order; body is the exact JSON sent to the queue.
CREATE TABLE job_events (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    name   TEXT NOT NULL,
    time   TEXT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE job_log_files (
    job_id         TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    size           INTEGER NOT NULL,
    PRIMARY KEY (job_id, name)
);
