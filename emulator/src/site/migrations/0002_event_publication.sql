-- Version 2: an event is committed unpublished, sent to the report queue, then published to
-- GetMigrationJobProgress, so a client that saw an event there finds it in the queue too.
ALTER TABLE job_events ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
