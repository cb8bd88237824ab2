"""DDL of the master patient index, applied by ``repository.migrate`` (idempotent).

Tables: persons; source_records (org, local id -> person, demographics, evidence);
blocking_keys (indexed, one row per key per record; persons are found through the record's
link, so merges never rewrite keys); link_history (append-only: a trigger rejects UPDATE and
DELETE); review_queue (pending, accepted, rejected, or superseded when an HL7 A40 linked the
record first); held_events (events not forwarded until their record is linked);
merges (which source keys moved, so an unmerge is exact); outbox (identity changes to publish).
"""

from __future__ import annotations

__all__ = ["DDL", "MIGRATION_LOCK"]

MIGRATION_LOCK = 7_236_514_001
"""Advisory-lock id serialising concurrent migrations."""

DDL = """
CREATE TABLE IF NOT EXISTS persons (
    person_id   text PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    merged_into text REFERENCES persons (person_id)
);
CREATE TABLE IF NOT EXISTS source_records (
    org          text NOT NULL,
    local_id     text NOT NULL,
    person_id    text NOT NULL REFERENCES persons (person_id),
    demographics jsonb NOT NULL,
    rule         text NOT NULL,
    score        double precision,
    evidence     jsonb NOT NULL,
    linked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, local_id)
);
CREATE INDEX IF NOT EXISTS source_records_person ON source_records (person_id);
CREATE TABLE IF NOT EXISTS blocking_keys (
    key      text NOT NULL,
    org      text NOT NULL,
    local_id text NOT NULL,
    PRIMARY KEY (key, org, local_id),
    FOREIGN KEY (org, local_id) REFERENCES source_records (org, local_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS blocking_keys_record ON blocking_keys (org, local_id);
CREATE TABLE IF NOT EXISTS link_history (
    history_id         bigserial PRIMARY KEY,
    org                text NOT NULL,
    local_id           text NOT NULL,
    person_id          text,
    previous_person_id text,
    action             text NOT NULL,
    rule               text NOT NULL,
    score              double precision,
    evidence           jsonb,
    merge_id           bigint,
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS link_history_record ON link_history (org, local_id);
CREATE INDEX IF NOT EXISTS link_history_person ON link_history (person_id, recorded_at);
-- Wall-clock time of the row, not of its transaction's start: a link decided in a transaction
-- that began before a merge but waited for it must be seen as made while the merge stood.
-- (Changed only when needed: ALTER takes an exclusive lock, and this runs at every start.)
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'link_history'
                     AND column_name = 'recorded_at'
                     AND column_default LIKE 'clock_timestamp%') THEN
        ALTER TABLE link_history ALTER COLUMN recorded_at SET DEFAULT clock_timestamp();
    END IF;
END $$;
CREATE OR REPLACE FUNCTION link_history_is_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'link_history is append-only';
END $$;
CREATE OR REPLACE TRIGGER link_history_append_only
    BEFORE UPDATE OR DELETE ON link_history
    FOR EACH ROW EXECUTE FUNCTION link_history_is_append_only();
CREATE TABLE IF NOT EXISTS review_queue (
    review_id           bigserial PRIMARY KEY,
    org                 text NOT NULL,
    local_id            text NOT NULL,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'accepted', 'rejected', 'superseded')),
    rule                text NOT NULL,
    candidate_person_id text REFERENCES persons (person_id),
    score               double precision,
    evidence            jsonb NOT NULL,
    demographics        jsonb NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    decided_at          timestamptz,
    decided_by          text,
    person_id           text
);
DO $$
BEGIN  -- MPIs created before 'superseded' existed: widen the status check once
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'review_queue'::regclass
                     AND conname = 'review_queue_status_check'
                     AND pg_get_constraintdef(oid) LIKE '%superseded%') THEN
        ALTER TABLE review_queue DROP CONSTRAINT IF EXISTS review_queue_status_check;
        ALTER TABLE review_queue ADD CONSTRAINT review_queue_status_check
            CHECK (status IN ('pending', 'accepted', 'rejected', 'superseded'));
    END IF;
END $$;
CREATE UNIQUE INDEX IF NOT EXISTS review_queue_one_pending
    ON review_queue (org, local_id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS held_events (
    held_id      bigserial PRIMARY KEY,
    org          text NOT NULL,
    local_id     text NOT NULL,
    reason       text NOT NULL,
    record_type  text NOT NULL,
    topic        text NOT NULL,
    "partition"  integer NOT NULL,
    "offset"     bigint NOT NULL,
    value        bytea NOT NULL,
    held_at      timestamptz NOT NULL DEFAULT now(),
    person_id    text,
    released_at  timestamptz,
    forwarded_at timestamptz
);
CREATE INDEX IF NOT EXISTS held_events_waiting ON held_events (org, local_id)
    WHERE released_at IS NULL;
CREATE INDEX IF NOT EXISTS held_events_to_forward ON held_events (held_id)
    WHERE released_at IS NOT NULL AND forwarded_at IS NULL;
CREATE INDEX IF NOT EXISTS held_events_to_forward_record ON held_events (org, local_id)
    WHERE released_at IS NOT NULL AND forwarded_at IS NULL;
CREATE TABLE IF NOT EXISTS merges (
    merge_id     bigserial PRIMARY KEY,
    survivor_id  text NOT NULL REFERENCES persons (person_id),
    retired_id   text NOT NULL REFERENCES persons (person_id),
    rule         text NOT NULL,
    moved_keys   text[] NOT NULL,
    merged_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    unmerged_at  timestamptz
);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'merges'
                     AND column_name = 'merged_at'
                     AND column_default LIKE 'clock_timestamp%') THEN
        ALTER TABLE merges ALTER COLUMN merged_at SET DEFAULT clock_timestamp();
    END IF;
END $$;
CREATE TABLE IF NOT EXISTS outbox (
    change_id          uuid PRIMARY KEY,
    kind               text NOT NULL,
    person_id          text NOT NULL,
    previous_person_id text,
    source_keys        text[] NOT NULL,
    rule               text NOT NULL,
    score              double precision,
    occurred_at        timestamptz NOT NULL,
    published_at       timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (occurred_at) WHERE published_at IS NULL;
"""
