"""The store's tables, created on first use.

All tables are long and keyed by area code and boundary version. Geometries are stored as WKB
in EPSG:3006 (SWEREF 99 TM) in BLOB columns, so the store needs no DuckDB extension (which
could not be installed offline); spatial work happens in shapely/geopandas.
"""

from __future__ import annotations

SCHEMA_VERSION = "1"

DDL: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS sources (
        source_id TEXT PRIMARY KEY,
        publisher TEXT NOT NULL,
        table_id TEXT NOT NULL,
        title TEXT NOT NULL,
        reference TEXT NOT NULL,
        checksum TEXT NOT NULL,
        licence TEXT,
        retrieved_at TIMESTAMPTZ,
        notes TEXT,
        ingested_at TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS areas (
        area_code TEXT NOT NULL,
        level TEXT NOT NULL,
        version TEXT NOT NULL,
        name TEXT,
        parent_code TEXT,
        parent_level TEXT,
        parent_version TEXT,
        geometry BLOB,
        attributes TEXT,
        source_id TEXT NOT NULL,
        PRIMARY KEY (area_code, version)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS links (
        from_code TEXT NOT NULL,
        from_level TEXT NOT NULL,
        from_version TEXT NOT NULL,
        to_code TEXT NOT NULL,
        to_level TEXT NOT NULL,
        to_version TEXT NOT NULL,
        weight DOUBLE NOT NULL,
        method TEXT NOT NULL,
        source_id TEXT NOT NULL,
        PRIMARY KEY (from_code, from_version, to_code, to_version, method)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS variables (
        variable TEXT PRIMARY KEY,
        label TEXT,
        unit TEXT,
        description TEXT,
        source_id TEXT
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS observations (
        area_code TEXT NOT NULL,
        area_version TEXT NOT NULL,
        variable TEXT NOT NULL,
        period TEXT NOT NULL,
        revision INTEGER NOT NULL,
        value DOUBLE,
        unit TEXT,
        missing_reason TEXT,
        source_id TEXT NOT NULL,
        ingested_at TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS classifications (
        area_code TEXT NOT NULL,
        level TEXT NOT NULL,
        version TEXT NOT NULL,
        scheme TEXT NOT NULL,
        period TEXT NOT NULL,
        category TEXT NOT NULL,
        attributes TEXT,
        source_id TEXT NOT NULL,
        PRIMARY KEY (area_code, version, scheme, period)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS ingest_log (
        ingested_at TIMESTAMPTZ NOT NULL,
        source_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        reference TEXT NOT NULL,
        rows_in BIGINT NOT NULL,
        rows_new BIGINT NOT NULL,
        rows_revised BIGINT NOT NULL,
        rows_unchanged BIGINT NOT NULL
    )
    """,
    # What each reported-offence extract covers per offence code and year (added in one
    # block; CREATE IF NOT EXISTS gives older stores the table on their next write).
    """
    CREATE TABLE IF NOT EXISTS crime_coverage (
        offence_code TEXT NOT NULL,
        period TEXT NOT NULL,
        reports BIGINT NOT NULL,
        offences BIGINT NOT NULL,
        geocoded BIGINT NOT NULL,
        no_kommun BIGINT NOT NULL,
        geocoded_share DOUBLE,
        extract_first_registration TEXT,
        extract_last_registration TEXT,
        last_offence_date TEXT,
        complete BOOLEAN NOT NULL,
        usable BOOLEAN NOT NULL,
        note TEXT,
        source_id TEXT NOT NULL,
        PRIMARY KEY (offence_code, period)
    )
    """,
    # The latest revision of every observation. Older revisions stay in `observations`.
    """
    CREATE OR REPLACE VIEW current_observations AS
    SELECT o.* FROM observations o
    JOIN (
        SELECT area_code, area_version, variable, period, max(revision) AS revision
        FROM observations GROUP BY ALL
    ) m USING (area_code, area_version, variable, period, revision)
    """,
)
