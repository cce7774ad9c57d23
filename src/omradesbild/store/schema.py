"""The store's tables, created on first use, and the upgrades between schema versions.

All tables are long and keyed by area code and boundary version. Geometries are stored as WKB
in EPSG:3006 (SWEREF 99 TM) in BLOB columns, so the store needs no DuckDB extension (which
could not be installed offline); spatial work happens in shapely/geopandas.

The store records its schema version in ``meta`` (key ``schema_version``). Opening a store of
an older version runs the functions of :data:`UPGRADES` in order, in one transaction; a store
of a newer version than :data:`SCHEMA_VERSION` is refused. A change of the schema adds an
upgrade function here and raises :data:`SCHEMA_VERSION` by one.

Versions:

1. The first schema.
2. ``meta`` records ``created_at``, when the store was made (ISO 8601, UTC).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from omradesbild.errors import StoreError
from omradesbild.wording import both

#: The schema version this program writes and reads.
SCHEMA_VERSION = 2

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


def _v1_to_v2(con: duckdb.DuckDBPyConnection) -> None:
    """``meta.created_at``: the time the built-in source was written, i.e. the creation."""
    con.execute(
        """
        INSERT INTO meta
        SELECT 'created_at', strftime(min(ingested_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ')
        FROM sources HAVING count(*) > 0
        ON CONFLICT (key) DO NOTHING
        """
    )


#: ``UPGRADES[v]`` turns a store of schema version ``v`` into one of version ``v + 1``.
UPGRADES: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {1: _v1_to_v2}


def stored_schema_version(con: duckdb.DuckDBPyConnection, *, path: str) -> int | None:
    """The schema version recorded in the store (None: a new, empty database).

    Raises
    ------
    StoreError
        If the database has tables but no readable version (not an Områdesbild store).
    """
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not tables:
        return None
    row = None
    if "meta" in tables:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or not str(row[0]).isdigit():
        raise StoreError(both("err_svc_not_a_store", path=path))
    return int(row[0])


def check_schema_version(version: int, *, path: str) -> None:
    """Refuse a store written by a newer program.

    Raises
    ------
    StoreError
        If ``version`` is newer than :data:`SCHEMA_VERSION`.
    """
    if version > SCHEMA_VERSION:
        raise StoreError(
            both("err_svc_schema_newer", path=path, version=version, ours=SCHEMA_VERSION)
        )


def upgrade_schema(
    con: duckdb.DuckDBPyConnection,
    version: int,
    *,
    path: str,
    upgrades: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] | None = None,
    target: int = SCHEMA_VERSION,
) -> int:
    """Upgrade a store from schema ``version`` to ``target``, in one transaction.

    Parameters
    ----------
    con
        A writable connection to the store.
    version
        The store's schema version.
    upgrades, target
        The registry and the version to reach (default :data:`UPGRADES`,
        :data:`SCHEMA_VERSION`).

    Returns
    -------
    int
        The version the store is at afterwards (``target``).

    Raises
    ------
    StoreError
        If an upgrade step is missing or fails; the store is left at ``version``.
    """
    steps = UPGRADES if upgrades is None else upgrades
    if version >= target:
        return version
    missing = [v for v in range(version, target) if v not in steps]
    if missing:
        raise StoreError(both("err_svc_no_upgrade", path=path, version=missing[0]))
    con.execute("BEGIN TRANSACTION")
    try:
        for v in range(version, target):
            steps[v](con)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(target)])
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise StoreError(
            both("err_svc_upgrade_failed", path=path, version=version, target=target, error=exc)
        ) from exc
    return target
