"""The embedded area-data store: one DuckDB file, no server.

Every write is one transaction: either all of a source's areas, links, classifications,
variables and observations land, or nothing does. Writing the same source again changes
nothing; a value that differs from the stored one is added as a new *revision* and the old
revision is kept (see :meth:`Store.revisions`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from omradesbild.areas.codes import validate_code
from omradesbild.errors import InputError, NotFoundError, StoreError, UnknownAreaError
from omradesbild.sources.base import (
    AREA_COLUMNS,
    CLASSIFICATION_COLUMNS,
    LINK_COLUMNS,
    OBS_COLUMNS,
    VARIABLE_COLUMNS,
    Areas,
    Observations,
    SourceMeta,
    now_utc,
)
from omradesbild.store.schema import (
    DDL,
    SCHEMA_VERSION,
    check_schema_version,
    stored_schema_version,
    upgrade_schema,
)

#: Environment variable that overrides the default store path.
DB_ENV = "OMRADESBILD_DB"
#: Default store path (relative to the working directory).
DEFAULT_DB = "omradesbild.duckdb"

_KEY = ["area_code", "area_version", "variable", "period"]

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


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did."""

    source_id: str
    reference: str
    kind: str
    rows_in: int
    rows_new: int
    rows_revised: int
    rows_unchanged: int
    areas: int = 0
    links: int = 0
    classifications: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.rows_new or self.rows_revised)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Store:
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
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(
                f"{self.path}: no store here; create one with 'omradesbild ingest …' "
                "or 'omradesbild demo', or pass --db"
            )
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
            return duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open the store: {exc}") from exc

    def _upgrade_read_only(self, version: int) -> None:
        """Upgrade an older store opened read-only: briefly open it for writing."""
        self.con.close()
        try:
            con = duckdb.connect(self.path)
        except duckdb.Error as exc:
            raise StoreError(
                f"{self.path}: store schema version {version} needs an upgrade to "
                f"{SCHEMA_VERSION}, which needs write access: {exc}"
            ) from exc
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
        self.con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?), ('created_at', ?)",
            [str(SCHEMA_VERSION), now_utc().strftime("%Y-%m-%dT%H:%M:%SZ")],
        )
        # The country is always known: counts that cannot be placed in any kommun (e.g.
        # reports without DeSO or kommun) are kept on it rather than dropped.
        self._write_source(self.con, BUILTIN_SOURCE)
        self.con.execute(
            "INSERT INTO areas (area_code, level, version, name, source_id) "
            "VALUES ('SE', 'country', 'country', 'Sverige', ?) ON CONFLICT DO NOTHING",
            [BUILTIN_SOURCE.source_id],
        )

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    # -- writing -----------------------------------------------------------------------
    def _write_source(self, con: duckdb.DuckDBPyConnection, source: SourceMeta) -> None:
        con.execute(
            """
            INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source_id) DO NOTHING
            """,
            [
                source.source_id,
                source.publisher,
                source.table_id,
                source.title,
                source.reference,
                source.checksum,
                source.licence,
                source.retrieved_at,
                source.notes,
                now_utc(),
            ],
        )

    def ingest(
        self,
        parsed: Observations | Areas,
        *,
        kind: str | None = None,
    ) -> IngestReport:
        """Write a parsed source in one transaction.

        Parameters
        ----------
        parsed
            What a reader returned: :class:`Observations` or :class:`Areas`.
        kind
            A short label for the ingest log (default: the class name).
        """
        if isinstance(parsed, Areas):
            return self.ingest_areas(parsed, kind=kind or "areas")
        return self.ingest_observations(parsed, kind=kind or "observations")

    def ingest_areas(self, parsed: Areas, *, kind: str = "areas") -> IngestReport:
        """Upsert areas, links and classifications from one source (one transaction).

        An area already stored keeps what it had where the new source has nothing (for example
        a geometry), and takes the new source's values elsewhere.
        """
        areas = _with_columns(parsed.areas, AREA_COLUMNS)
        links = _with_columns(parsed.links, LINK_COLUMNS)
        classes = _with_columns(parsed.classifications, CLASSIFICATION_COLUMNS)
        ref = parsed.source.reference
        _check_unique(areas, ["area_code", "version"], ref)
        _check_unique(links, ["from_code", "from_version", "to_code", "to_version", "method"], ref)
        _check_unique(classes, ["area_code", "version", "scheme", "period"], ref)
        for level, code in zip(areas["level"], areas["area_code"], strict=True):
            problem = validate_code(str(code), str(level))
            if problem is not None:
                raise InputError(
                    f"area code {code!r} is not a valid {level} code",
                    file=ref,
                    field="area_code",
                    expected=problem,
                )
        sid = parsed.source.source_id
        with self.transaction() as con:
            before = self._counts(con)
            self._write_source(con, parsed.source)
            if len(areas):
                a = areas.assign(source_id=sid)
                con.register("_in_areas", a)
                con.execute(
                    """
                    INSERT INTO areas
                    SELECT area_code, level, version, name, parent_code, parent_level,
                           parent_version, geometry, attributes, source_id FROM _in_areas
                    ON CONFLICT (area_code, version) DO UPDATE SET
                        level = excluded.level,
                        name = coalesce(excluded.name, areas.name),
                        parent_code = coalesce(excluded.parent_code, areas.parent_code),
                        parent_level = coalesce(excluded.parent_level, areas.parent_level),
                        parent_version = coalesce(excluded.parent_version, areas.parent_version),
                        geometry = coalesce(excluded.geometry, areas.geometry),
                        attributes = coalesce(excluded.attributes, areas.attributes),
                        source_id = CASE
                            WHEN excluded.geometry IS NOT NULL OR areas.geometry IS NULL
                            THEN excluded.source_id ELSE areas.source_id END
                    """
                )
                con.unregister("_in_areas")
            if len(links):
                lk = links.assign(source_id=sid, weight=links["weight"].astype("float64"))
                con.register("_in_links", lk)
                con.execute(
                    """
                    INSERT INTO links
                    SELECT from_code, from_level, from_version, to_code, to_level, to_version,
                           weight, method, source_id FROM _in_links
                    ON CONFLICT (from_code, from_version, to_code, to_version, method)
                    DO UPDATE SET weight = excluded.weight, source_id = excluded.source_id
                    """
                )
                con.unregister("_in_links")
            if len(classes):
                c = classes.assign(source_id=sid)
                con.register("_in_classes", c)
                con.execute(
                    """
                    INSERT INTO classifications
                    SELECT area_code, level, version, scheme, period, category, attributes,
                           source_id FROM _in_classes
                    ON CONFLICT (area_code, version, scheme, period)
                    DO UPDATE SET category = excluded.category, attributes = excluded.attributes,
                                  source_id = excluded.source_id
                    """
                )
                con.unregister("_in_classes")
            after = self._counts(con)
            n_new = sum(after[k] - before[k] for k in after)
            report = IngestReport(
                source_id=sid,
                reference=ref,
                kind=kind,
                rows_in=len(areas) + len(links) + len(classes),
                rows_new=n_new,
                rows_revised=0,
                rows_unchanged=len(areas) + len(links) + len(classes) - n_new,
                areas=len(areas),
                links=len(links),
                classifications=len(classes),
            )
            if n_new:
                self._log(con, report)
        return report

    def ingest_observations(
        self,
        parsed: Observations,
        *,
        kind: str = "observations",
        require_known_areas: bool = True,
    ) -> IngestReport:
        """Write observations from one source in one transaction, keeping revisions.

        New keys (area, version, variable, period) get revision 1. A key whose value, unit or
        missing reason differs from its current revision gets the next revision; the old
        revision is kept. Identical values are skipped, so ingesting a file twice changes
        nothing.

        Raises
        ------
        InputError
            Duplicate keys in the input.
        UnknownAreaError
            Area codes the store does not hold for that version (when
            ``require_known_areas``); ingest the boundaries or SCB's key first.
        """
        data = _with_columns(parsed.data, OBS_COLUMNS)
        ref = parsed.source.reference
        data = data.astype(
            {
                "area_code": "object",
                "area_version": "object",
                "variable": "object",
                "period": "object",
                "unit": "object",
                "missing_reason": "object",
            }
        )
        data["value"] = pd.to_numeric(data["value"], errors="raise").astype("float64")
        data["period"] = data["period"].astype(str)
        _check_unique(data, _KEY, ref)
        sid = parsed.source.source_id
        ts = now_utc()
        variables = _with_columns(parsed.variables, VARIABLE_COLUMNS)
        with self.transaction() as con:
            con.register("_in_obs", data)
            if require_known_areas:
                self._check_known_areas(con, ref)
            self._write_source(con, parsed.source)
            if len(variables):
                con.register("_in_vars", variables.assign(source_id=sid))
                con.execute(
                    """
                    INSERT INTO variables
                    SELECT variable, label, unit, description, source_id FROM _in_vars
                    ON CONFLICT (variable) DO UPDATE SET
                        label = coalesce(excluded.label, variables.label),
                        unit = coalesce(excluded.unit, variables.unit),
                        description = coalesce(excluded.description, variables.description)
                    """
                )
                con.unregister("_in_vars")
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _delta AS
                SELECT i.*, coalesce(c.revision, 0) + 1 AS revision,
                       c.revision IS NOT NULL AS is_revision
                FROM _in_obs i
                LEFT JOIN (
                    SELECT o.area_code, o.area_version, o.variable, o.period, o.revision,
                           o.value, o.unit, o.missing_reason
                    FROM current_observations o
                    SEMI JOIN _in_obs k USING (area_code, area_version, variable)
                ) c USING (area_code, area_version, variable, period)
                WHERE c.revision IS NULL
                   OR c.value IS DISTINCT FROM i.value
                   OR c.unit IS DISTINCT FROM i.unit
                   OR c.missing_reason IS DISTINCT FROM i.missing_reason
                """
            )
            row = con.execute(
                "SELECT count(*) FILTER (NOT is_revision), count(*) FILTER (is_revision) "
                "FROM _delta"
            ).fetchone()
            assert row is not None
            n_new, n_rev = int(row[0]), int(row[1])
            if n_new or n_rev:
                con.execute(
                    """
                    INSERT INTO observations
                    SELECT area_code, area_version, variable, period, revision, value, unit,
                           missing_reason, ?, ? FROM _delta
                    """,
                    [sid, ts],
                )
            con.execute("DROP TABLE _delta")
            con.unregister("_in_obs")
            report = IngestReport(
                source_id=sid,
                reference=ref,
                kind=kind,
                rows_in=len(data),
                rows_new=n_new,
                rows_revised=n_rev,
                rows_unchanged=len(data) - n_new - n_rev,
            )
            if report.changed:
                self._log(con, report)
        return report

    def _check_known_areas(self, con: duckdb.DuckDBPyConnection, ref: str) -> None:
        unknown = con.execute(
            """
            SELECT DISTINCT i.area_code, i.area_version FROM _in_obs i
            ANTI JOIN areas a ON a.area_code = i.area_code AND a.version = i.area_version
            ORDER BY 2, 1
            """
        ).fetchall()
        if not unknown:
            return
        versions = sorted({v for _, v in unknown})
        known = {
            v: n
            for v, n in con.execute(
                "SELECT version, count(*) FROM areas WHERE version IN "
                f"({', '.join('?' * len(versions))}) GROUP BY version",
                versions,
            ).fetchall()
        }
        sample = ", ".join(f"{c} ({v})" for c, v in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        missing_versions = [v for v in versions if v not in known]
        hint = (
            f"; the store holds no areas of version {', '.join(missing_versions)}: ingest "
            "SCB's DeSO–RegSO key or the boundaries first"
            if missing_versions
            else ""
        )
        con.unregister("_in_obs")
        raise UnknownAreaError(
            f"{len(unknown)} unknown area code(s): {sample}{more}{hint}",
            file=ref,
            field="area_code",
            expected="codes of areas already in the store",
        )

    def _counts(self, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in ("areas", "links", "classifications"):
            row = con.execute(f"SELECT count(*) FROM {t}").fetchone()
            out[t] = int(row[0]) if row else 0
        return out

    def _log(self, con: duckdb.DuckDBPyConnection, r: IngestReport) -> None:
        con.execute(
            "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                now_utc(),
                r.source_id,
                r.kind,
                r.reference,
                r.rows_in,
                r.rows_new,
                r.rows_revised,
                r.rows_unchanged,
            ],
        )

    # -- reading -----------------------------------------------------------------------
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
        """One variable for every area of one version in one period (the fast path)."""
        return self.con.execute(
            """
            SELECT area_code, value, unit, missing_reason FROM current_observations
            WHERE variable = ? AND period = ? AND area_version = ?
            ORDER BY area_code
            """,
            [variable, str(period), area_version],
        ).df()

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
        """Areas as a DataFrame, or a GeoDataFrame in EPSG:3006 when ``geometry``."""
        where, params = _where(
            level=[level] if level else None,
            version=[version] if version else None,
            area_code=codes,
        )
        cols = "area_code, level, version, name, parent_code, parent_level, parent_version, "
        cols += "attributes, source_id" + (", geometry" if geometry else "")
        df = self.con.execute(
            f"SELECT {cols} FROM areas{where} ORDER BY level, version, area_code", params
        ).df()
        if not geometry:
            return df
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
        """Links (crosswalk rows) between areas."""
        where, params = _where(
            from_version=[from_version] if from_version else None,
            to_version=[to_version] if to_version else None,
            method=[method] if method else None,
        )
        return self.con.execute(
            f"SELECT * FROM links{where} ORDER BY from_version, from_code, to_code", params
        ).df()

    def classifications(self, *, scheme: str | None = None) -> pd.DataFrame:
        """Stored classifications (e.g. the Police's categories per year)."""
        where, params = _where(scheme=[scheme] if scheme else None)
        return self.con.execute(
            f"SELECT * FROM classifications{where} ORDER BY scheme, period, area_code", params
        ).df()

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

    def summary(self) -> dict[str, Any]:
        """Counts per level/version, variables, periods and sources."""
        con = self.con
        areas = con.execute(
            "SELECT level, version, count(*) AS n, count(geometry) AS with_geometry "
            "FROM areas GROUP BY ALL ORDER BY level, version"
        ).fetchall()
        obs = con.execute(
            "SELECT count(*), count(DISTINCT variable), min(period), max(period) "
            "FROM current_observations"
        ).fetchone()
        periods = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT period FROM current_observations ORDER BY 1"
            ).fetchall()
        ]
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
            "areas": [
                {"level": lv, "version": v, "n": n, "with_geometry": g} for lv, v, n, g in areas
            ],
            "observations": int(obs[0]),
            "variables": int(obs[1]),
            "periods": periods,
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
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise NotFoundError(f"variable {variable!r} is not in the store{hint}")


def _with_columns(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``df`` restricted to ``columns`` in order, missing ones added as None."""
    out = df.copy()
    for c in columns:
        if c not in out.columns:
            out[c] = None
    out = out.loc[:, list(columns)]
    for c in columns:
        if c not in ("value", "weight", "geometry"):
            out[c] = out[c].astype("object").where(out[c].notna(), None)
    return out


def _check_unique(df: pd.DataFrame, key: list[str], ref: str) -> None:
    if df.empty:
        return
    dup = df.duplicated(key, keep=False)
    if dup.any():
        first = df.loc[dup, key].iloc[0]
        n = int(dup.sum())
        desc = ", ".join(f"{k}={first[k]!r}" for k in key)
        raise InputError(
            f"{n} rows share the same key ({desc} is repeated)",
            file=ref,
            field="+".join(key),
            expected="one value per key",
        )


def _where(**filters: Sequence[str] | None) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for col, values in filters.items():
        if values is None:
            continue
        values = list(values)
        parts.append(f"{col} IN ({', '.join('?' * len(values))})" if values else "FALSE")
        params.extend(values)
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


def attributes_json(record: dict[str, Any]) -> str:
    """Serialise a layer's extra attributes deterministically."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
