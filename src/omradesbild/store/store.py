"""The embedded area-data store: one DuckDB file, no server.

Every write is one transaction: either all of a source's areas, links, classifications,
variables and observations land, or nothing does. Writing the same source again changes
nothing; a value that differs from the stored one is added as a new *revision* and the old
revision is kept (see :meth:`Store.revisions`).

The write methods live in :mod:`omradesbild.store.writes` (:class:`StoreWrites`, mixed into
:class:`Store`); :class:`IngestReport` is importable from here as before.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from omradesbild.config import DB_ENV, DEFAULT_DB
from omradesbild.errors import NotFoundError, StoreError
from omradesbild.sources.base import Closable, SourceMeta, now_utc
from omradesbild.store.schema import (
    DDL,
    SCHEMA_VERSION,
    check_schema_version,
    stored_schema_version,
    upgrade_schema,
)
from omradesbild.store.writes import IngestReport, StoreWrites
from omradesbild.wording import Message, both

__all__ = [
    "BUILTIN_SOURCE",
    "DB_ENV",
    "DEFAULT_DB",
    "IngestReport",
    "Store",
    "attributes_json",
    "default_db_path",
]

#: Source of what every store holds from the start (the country area).
BUILTIN_SOURCE = SourceMeta(
    publisher="Områdesbild",
    table_id="builtin",
    title="Inbyggda referensområden (riket)",
    reference="omradesbild",
    checksum="0" * 64,
    licence="CC0 1.0",
)


def default_db_path() -> Path:
    """``$OMRADESBILD_DB`` if set, else ``./omradesbild.duckdb``."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


class Store(StoreWrites, Closable):
    """A connection to one store file.

    Parameters
    ----------
    path
        The DuckDB file; created with the schema if it does not exist. ``":memory:"`` gives a
        throw-away in-memory store.
    read_only
        Open without write access (the file must exist).
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = str(path if path is not None else default_db_path())
        self._depth = 0
        self.read_only = read_only
        #: Frames read once per read-only connection (:meth:`_kept`).
        self._reads: dict[tuple[Any, ...], pd.DataFrame] = {}
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(both("err_no_store", path=self.path))
        self.con = self._connect(read_only)
        version = stored_schema_version(self.con, path=self.path)
        if version is not None:
            check_schema_version(version, path=self.path)
        if read_only:
            if version is not None and version < SCHEMA_VERSION:
                self._upgrade_read_only(version)
        elif version is None:
            self._create_schema()
        else:
            upgrade_schema(self.con, version, path=self.path)
            for stmt in DDL:
                self.con.execute(stmt)

    # -- lifecycle ---------------------------------------------------------------------
    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(both("err_svc_cannot_open", path=self.path, error=exc)) from exc
        # Long ingest queries would print DuckDB's own progress bar; ours is the only one.
        con.execute("SET enable_progress_bar = false")
        return con

    def _upgrade_read_only(self, version: int) -> None:
        """Upgrade an older store opened read-only: briefly open it for writing."""
        self.con.close()
        try:
            con = duckdb.connect(self.path)
        except duckdb.Error as exc:
            raise StoreError(
                both("err_svc_upgrade_needs_write", path=self.path, version=version,
                     target=SCHEMA_VERSION, error=exc)
            ) from exc  # fmt: skip
        try:
            upgrade_schema(con, version, path=self.path)
            for stmt in DDL:
                con.execute(stmt)
        finally:
            con.close()
        self.con = self._connect(True)

    def _create_schema(self) -> None:
        for stmt in DDL:
            self.con.execute(stmt)
        # One clock reading: an upgrade from version 1 recovers created_at from the built-in
        # source's ingested_at, so the two must be the same instant.
        created = now_utc()
        self.con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?), ('created_at', ?)",
            [str(SCHEMA_VERSION), created.strftime("%Y-%m-%dT%H:%M:%SZ")],
        )
        # The country is always known: counts that cannot be placed in any kommun (e.g.
        # reports without DeSO or kommun) are kept on it rather than dropped.
        self._write_source(self.con, BUILTIN_SOURCE, at=created)
        self.con.execute(
            "INSERT INTO areas (area_code, level, version, name, source_id) "
            "VALUES ('SE', 'country', 'country', 'Sverige', ?) ON CONFLICT DO NOTHING",
            [BUILTIN_SOURCE.source_id],
        )

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit when the block succeeds, roll back on any error.

        Nested use joins the outer transaction, so a command that ingests several files can
        wrap them all in one transaction.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.con
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._depth = 0

    @contextmanager
    def threads(self, n: int | None) -> Iterator[None]:
        """DuckDB's worker threads set to ``n`` for the block, then set back (``None``:
        unchanged). The setting belongs to the database, so it holds for every connection
        this process has open to the same file.

        Inside a transaction it is left as it is: a failed statement aborts the transaction,
        which then refuses to set it back until the caller rolls back.
        """
        ((before,),) = self.con.execute("SELECT current_setting('threads')").fetchall()
        if n is None or self._depth or int(before) == n:
            yield
            return
        self.con.execute(f"SET threads = {int(n)}")
        try:
            yield
        finally:
            self.con.execute(f"SET threads = {int(before)}")

    # -- reading -----------------------------------------------------------------------
    def _kept(self, key: tuple[Any, ...], read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """``read()``, kept for the next call with ``key`` when the store is open read-only.

        What a read-only connection sees cannot change while it is open (DuckDB lets no
        process write a file that a read-only connection holds), so a read is done once per
        connection; every call gets its own copy, which the caller may change. A writable
        store reads afresh every time.
        """
        if not self.read_only:
            return read()
        kept = self._reads.get(key)
        if kept is None:
            kept = self._reads[key] = read()
        return kept.copy()

    def observations(
        self,
        *,
        variables: Sequence[str] | None = None,
        periods: Sequence[str] | None = None,
        area_version: str | None = None,
        area_codes: Sequence[str] | None = None,
        all_revisions: bool = False,
    ) -> pd.DataFrame:
        """Observations in long form (the current revision unless ``all_revisions``)."""
        table = "observations" if all_revisions else "current_observations"
        where, params = _where(
            variable=variables,
            period=[str(p) for p in periods] if periods is not None else None,
            area_version=[area_version] if area_version else None,
            area_code=area_codes,
        )
        sql = (
            "SELECT area_code, area_version, variable, period, value, unit, missing_reason, "
            f"revision, source_id, ingested_at FROM {table}{where} "
            "ORDER BY area_version, area_code, variable, period, revision"
        )
        return self.con.execute(sql, params).df()

    def variable_values(self, variable: str, period: str, *, area_version: str) -> pd.DataFrame:
        """One variable for every area of one version in one period (the fast path; read
        once per read-only connection, :meth:`_kept`: the police list weighs its areas by
        the same residents several times)."""
        params = [variable, str(period), area_version]
        sql = """
            SELECT area_code, value, unit, missing_reason FROM current_observations
            WHERE variable = ? AND period = ? AND area_version = ?
            ORDER BY area_code
            """
        return self._kept(("variable_values", *params), lambda: self.con.execute(sql, params).df())

    def revisions(self, area_code: str, variable: str, period: str) -> pd.DataFrame:
        """Every stored revision of one observation, oldest first."""
        return self.con.execute(
            """
            SELECT o.*, s.reference FROM observations o JOIN sources s USING (source_id)
            WHERE area_code = ? AND variable = ? AND period = ? ORDER BY area_version, revision
            """,
            [area_code, variable, str(period)],
        ).df()

    def areas(
        self,
        *,
        level: str | None = None,
        version: str | None = None,
        codes: Sequence[str] | None = None,
        geometry: bool = False,
    ) -> pd.DataFrame:
        """Areas as a DataFrame, or a GeoDataFrame in EPSG:3006 when ``geometry``.

        Without ``codes`` and ``geometry``, a read-only store reads them once per connection
        (:meth:`_kept`).
        """
        where, params = _where(
            level=[level] if level else None,
            version=[version] if version else None,
            area_code=codes,
        )
        cols = "area_code, level, version, name, parent_code, parent_level, parent_version, "
        cols += "attributes, source_id" + (", geometry" if geometry else "")
        sql = f"SELECT {cols} FROM areas{where} ORDER BY level, version, area_code"
        if not geometry:
            if codes is not None:
                return self.con.execute(sql, params).df()
            # every area of a level (or of all): read by several services in one command
            return self._kept(("areas", level, version), lambda: self.con.execute(sql, params).df())
        df = self.con.execute(sql, params).df()
        import geopandas as gpd
        import shapely

        geoms = shapely.from_wkb(
            [None if g is None or g is pd.NA or g != g else bytes(g) for g in df["geometry"]]
        )
        return gpd.GeoDataFrame(df.drop(columns="geometry"), geometry=geoms, crs="EPSG:3006")

    def links(
        self,
        *,
        from_version: str | None = None,
        to_version: str | None = None,
        method: str | None = None,
    ) -> pd.DataFrame:
        """Links (crosswalk rows) between areas (read once per read-only connection,
        :meth:`_kept`)."""
        where, params = _where(
            from_version=[from_version] if from_version else None,
            to_version=[to_version] if to_version else None,
            method=[method] if method else None,
        )
        sql = f"SELECT * FROM links{where} ORDER BY from_version, from_code, to_code"
        return self._kept(
            ("links", from_version, to_version, method),
            lambda: self.con.execute(sql, params).df(),
        )

    def classifications(self, *, scheme: str | None = None) -> pd.DataFrame:
        """Stored classifications (e.g. the Police's categories per year; read once per
        read-only connection, :meth:`_kept`: a report asks for the Police's several times)."""
        where, params = _where(scheme=[scheme] if scheme else None)
        sql = f"SELECT * FROM classifications{where} ORDER BY scheme, period, area_code"
        return self._kept(("classifications", scheme), lambda: self.con.execute(sql, params).df())

    def sources(self) -> pd.DataFrame:
        """Every source ingested, with its provenance."""
        return self.con.execute("SELECT * FROM sources ORDER BY ingested_at, source_id").df()

    def variables(self) -> pd.DataFrame:
        """The variable catalogue as given by the sources, with the periods held."""
        return self.con.execute(
            """
            SELECT v.variable, v.label, v.unit, v.description,
                   list(DISTINCT o.period ORDER BY o.period) AS periods,
                   list(DISTINCT o.area_version ORDER BY o.area_version) AS area_versions
            FROM variables v LEFT JOIN current_observations o USING (variable)
            GROUP BY ALL ORDER BY v.variable
            """
        ).df()

    def area_counts(self) -> list[dict[str, Any]]:
        """Areas per level and version: ``level``, ``version``, ``n``, ``with_geometry``."""
        rows = self.con.execute(
            "SELECT level, version, count(*) AS n, count(geometry) AS with_geometry "
            "FROM areas GROUP BY ALL ORDER BY level, version"
        ).fetchall()
        return [{"level": lv, "version": v, "n": n, "with_geometry": g} for lv, v, n, g in rows]

    def periods(self) -> list[str]:
        """Every period with an observation, in order.

        Read from ``observations``: every observation has a current revision, so these are
        the periods of ``current_observations`` too, without its grouping.
        """
        return [
            str(r[0])
            for r in self.con.execute(
                "SELECT DISTINCT period FROM observations ORDER BY 1"
            ).fetchall()
        ]

    def summary(self) -> dict[str, Any]:
        """Counts per level/version, variables, periods and sources."""
        con = self.con
        obs = con.execute(
            "SELECT count(*), count(DISTINCT variable), min(period), max(period) "
            "FROM current_observations"
        ).fetchone()
        revs = con.execute("SELECT count(*) FROM observations WHERE revision > 1").fetchone()
        n_sources = con.execute("SELECT count(*) FROM sources").fetchone()
        n_links = con.execute(
            "SELECT method, from_version, to_version, count(*) FROM links GROUP BY ALL ORDER BY 1"
        ).fetchall()
        n_class = con.execute(
            "SELECT scheme, period, count(*) FROM classifications GROUP BY ALL ORDER BY 1, 2"
        ).fetchall()
        publishers = con.execute(
            "SELECT publisher, count(*) FROM sources GROUP BY ALL ORDER BY 1"
        ).fetchall()
        assert obs is not None and revs is not None and n_sources is not None
        return {
            "areas": self.area_counts(),
            "observations": int(obs[0]),
            "variables": int(obs[1]),
            "periods": self.periods(),
            "older_revisions": int(revs[0]),
            "sources": int(n_sources[0]),
            "publishers": {p: n for p, n in publishers},
            "links": [
                {"method": m, "from_version": f, "to_version": t, "n": n} for m, f, t, n in n_links
            ],
            "classifications": [{"scheme": s, "period": p, "n": n} for s, p, n in n_class],
        }

    def require_variable(self, variable: str) -> None:
        """Raise :class:`NotFoundError` naming close matches when a variable is absent."""
        row = self.con.execute(
            "SELECT 1 FROM observations WHERE variable = ? LIMIT 1", [variable]
        ).fetchone()
        if row is None:
            import difflib

            known = [
                r[0]
                for r in self.con.execute("SELECT DISTINCT variable FROM observations").fetchall()
            ]
            close = difflib.get_close_matches(variable, known, n=5)
            hint = Message("err_svc_did_you_mean_list", names=", ".join(close)) if close else ""
            raise NotFoundError(
                both("err_svc_variable_not_in_store", variable=repr(variable), hint=hint)
            )


#: Longer lists of values are passed to the database as one list parameter: binding
#: thousands of parameters (e.g. every area code of a level) costs more than the read.
_LIST_PARAMETER_FROM = 64


def _where(**filters: Sequence[str] | None) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for col, values in filters.items():
        if values is None:
            continue
        values = list(values)
        if not values:
            parts.append("FALSE")
        elif len(values) >= _LIST_PARAMETER_FROM:
            parts.append(f"{col} IN (SELECT unnest(?))")
            params.append(values)
        else:
            parts.append(f"{col} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


def attributes_json(record: dict[str, Any]) -> str:
    """Serialise a layer's extra attributes deterministically."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
