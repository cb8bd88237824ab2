"""The planning store's tables and the weekly aggregates over them (views).

``facts``: one row per de-identified item (its newest version), keyed by the item pseudonym,
so a replay or a duplicate changes nothing. ``owners``: which person (pseudonym) each source
record belongs to since the newest identity change, so merges and unmerges move contributions
whichever order the moves and the events arrive in. ``opted_out``: people whose contribution
was removed and is kept out until they opt back in. ``contributions`` is what counts: facts
not deleted by their source, under their owner, of nobody opted out. The aggregates are views
of it, so they can never disagree with the facts.
"""

from __future__ import annotations

__all__ = ["AGGREGATES", "DDL"]

DDL = """
CREATE TABLE IF NOT EXISTS facts (
    item            text PRIMARY KEY,
    pseudonym       text NOT NULL,
    source          text NOT NULL,
    key_id          text NOT NULL,
    version         bigint NOT NULL,
    deleted         boolean NOT NULL,
    event_type      text NOT NULL,
    iso_week        text NOT NULL,
    org             text NOT NULL,
    org_kind        text NOT NULL,
    age_band        text,
    sex             text,
    district        text,
    service         text,
    encounter_class text,
    test            text,
    medicine_class  text,
    active          boolean
);
CREATE INDEX IF NOT EXISTS facts_pseudonym ON facts (pseudonym);
CREATE INDEX IF NOT EXISTS facts_source ON facts (source);
CREATE TABLE IF NOT EXISTS owners (
    source     text PRIMARY KEY,
    pseudonym  text NOT NULL,
    changed_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS owners_pseudonym ON owners (pseudonym);
CREATE TABLE IF NOT EXISTS opted_out (
    pseudonym text PRIMARY KEY,
    since     timestamptz NOT NULL
);
CREATE OR REPLACE VIEW contributions AS
    SELECT f.item, f.event_type, f.iso_week, f.org, f.org_kind, f.age_band, f.sex, f.district,
           f.service, f.encounter_class, f.test, f.medicine_class, f.active, f.version,
           COALESCE(o.pseudonym, f.pseudonym) AS person
    FROM facts f LEFT JOIN owners o ON o.source = f.source
    WHERE NOT f.deleted
      AND NOT EXISTS (SELECT 1 FROM opted_out x
                      WHERE x.pseudonym IN (f.pseudonym, COALESCE(o.pseudonym, f.pseudonym)));
CREATE OR REPLACE VIEW profiles AS
    SELECT DISTINCT ON (person) person, age_band, sex, district
    FROM contributions WHERE event_type = 'PATIENT'
    ORDER BY person, iso_week DESC, version DESC, item;
CREATE OR REPLACE VIEW activity AS
    SELECT c.item, c.event_type, c.iso_week, c.org_kind, c.service, c.encounter_class, c.test,
           c.medicine_class, c.active, c.person,
           COALESCE(p.age_band, 'unknown') AS age_band,
           COALESCE(p.district, 'unknown') AS district
    FROM contributions c LEFT JOIN profiles p USING (person)
    WHERE c.event_type <> 'PATIENT';
CREATE OR REPLACE VIEW weekly_encounters AS
    SELECT iso_week, service, org_kind, age_band, count(*)::integer AS encounters
    FROM activity WHERE event_type = 'ENCOUNTER' GROUP BY 1, 2, 3, 4;
CREATE OR REPLACE VIEW weekly_medicines AS
    SELECT iso_week, medicine_class, count(*)::integer AS items,
           count(DISTINCT person)::integer AS people
    FROM activity WHERE event_type = 'MEDICATION' AND active GROUP BY 1, 2;
CREATE OR REPLACE VIEW weekly_results AS
    SELECT iso_week, test, count(*)::integer AS results
    FROM activity WHERE event_type = 'RESULT' GROUP BY 1, 2;
CREATE OR REPLACE VIEW weekly_people AS
    SELECT iso_week, age_band, district, count(DISTINCT person)::integer AS people
    FROM activity GROUP BY 1, 2, 3;
CREATE OR REPLACE VIEW weekly_social_care AS
    SELECT iso_week, service, age_band, count(*)::integer AS contacts
    FROM activity WHERE event_type = 'ENCOUNTER' AND org_kind = 'social_care'
    GROUP BY 1, 2, 3;
"""

AGGREGATES: dict[str, tuple[tuple[str, ...], str]] = {
    "weekly_encounters": (("iso_week", "service", "org_kind", "age_band"), "encounters"),
    "weekly_medicines": (("iso_week", "medicine_class"), "items"),
    "weekly_results": (("iso_week", "test"), "results"),
    "weekly_people": (("iso_week", "age_band", "district"), "people"),
    "weekly_social_care": (("iso_week", "service", "age_band"), "contacts"),
}
"""Each aggregate view: its dimensions and its count column (the report's tables)."""
