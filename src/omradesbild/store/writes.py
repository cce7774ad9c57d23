"""Writing to the store: sources, areas, links, classifications and observations.

:class:`StoreWrites` holds the write methods of :class:`~omradesbild.store.store.Store`;
every write is one transaction (:meth:`~omradesbild.store.store.Store.transaction`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from omradesbild.areas.codes import validate_code
from omradesbild.errors import InputError, UnknownAreaError
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
from omradesbild.wording import Message

_KEY = ["area_code", "area_version", "variable", "period"]


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did: of its ``rows_in`` rows, ``rows_new`` were new, ``rows_revised``
    changed a stored value and ``rows_unchanged`` (the rest, set from those three) changed
    nothing."""

    source_id: str
    reference: str
    kind: str
    rows_in: int
    rows_new: int
    rows_revised: int
    rows_unchanged: int = field(init=False)
    areas: int = 0
    links: int = 0
    classifications: int = 0

    def __post_init__(self) -> None:
        rest = self.rows_in - self.rows_new - self.rows_revised
        object.__setattr__(self, "rows_unchanged", rest)

    @property
    def changed(self) -> bool:
        return bool(self.rows_new or self.rows_revised)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class StoreWrites:
    """The write methods of :class:`~omradesbild.store.store.Store` (mixed into it)."""

    con: duckdb.DuckDBPyConnection

    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """All-or-nothing block; provided by :class:`~omradesbild.store.store.Store`."""
        raise NotImplementedError

    # -- writing -----------------------------------------------------------------------
    def _write_source(
        self, con: duckdb.DuckDBPyConnection, source: SourceMeta, at: datetime | None = None
    ) -> None:
        """Record ``source`` (once), ingested ``at`` (default now, UTC)."""
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
                at or now_utc(),
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
        _check_areas(areas, links, classes, ref)
        sid = parsed.source.source_id
        with self.transaction() as con:
            before = self._counts(con)
            self._write_source(con, parsed.source)
            _upsert_areas(con, areas, links, classes, sid)
            after = self._counts(con)
            n_new = sum(after[k] - before[k] for k in after)
            report = IngestReport(
                source_id=sid,
                reference=ref,
                kind=kind,
                rows_in=len(areas) + len(links) + len(classes),
                rows_new=n_new,
                rows_revised=0,
                areas=len(areas),
                links=len(links),
                classifications=len(classes),
            )
            if n_new:
                write_log(con, [report])
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
        ref = parsed.source.reference
        obs = _observation_table(parsed.data)
        sid = parsed.source.source_id
        ts = now_utc()
        variables = _with_columns(parsed.variables, VARIABLE_COLUMNS)
        with self.transaction() as con:
            con.register("_in_obs", obs)
            try:
                _check_unique_in_obs(con, parsed.data, ref)
            except InputError:
                con.unregister("_in_obs")
                raise
            if require_known_areas:
                self._check_known_areas(con, ref)
            self._write_source(con, parsed.source)
            _upsert_variables(con, variables, sid)
            n_new, n_rev = _write_revisions(con, sid, ts, obs)
            con.unregister("_in_obs")
            report = IngestReport(
                source_id=sid,
                reference=ref,
                kind=kind,
                rows_in=obs.num_rows,
                rows_new=n_new,
                rows_revised=n_rev,
            )
            if report.changed:
                write_log(con, [report])
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
        more = Message("err_svc_and_more", n=len(unknown) - 5) if len(unknown) > 5 else ""
        missing_versions = [v for v in versions if v not in known]
        hint = (
            Message("err_svc_no_version_areas", versions=", ".join(missing_versions))
            if missing_versions
            else ""
        )
        con.unregister("_in_obs")
        raise UnknownAreaError(
            Message("err_svc_unknown_areas", n=len(unknown), sample=sample, more=more, hint=hint),
            file=ref,
            field="area_code",
            expected=Message("exp_svc_known_areas"),
        )

    def _counts(self, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in ("areas", "links", "classifications"):
            row = con.execute(f"SELECT count(*) FROM {t}").fetchone()
            out[t] = int(row[0]) if row else 0
        return out


def write_log(con: duckdb.DuckDBPyConnection, reports: list[IngestReport]) -> None:
    """One ``ingest_log`` row per report, stamped now (UTC)."""
    if not reports:
        return
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(reports))
    con.execute(
        f"INSERT INTO ingest_log VALUES {values}",
        [
            v
            for r in reports
            for v in (
                now_utc(),
                r.source_id,
                r.kind,
                r.reference,
                r.rows_in,
                r.rows_new,
                r.rows_revised,
                r.rows_unchanged,
            )
        ],
    )


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


_TEXT_OBS_COLUMNS = ("area_code", "area_version", "variable", "period", "unit", "missing_reason")


def _observation_table(df: pd.DataFrame) -> pa.Table:
    """The observations as an Arrow table in :data:`OBS_COLUMNS` (text columns as strings,
    ``value`` as float64, missing values as nulls), which DuckDB scans without a Python
    object per cell. Columns the frame lacks are all null; periods given as numbers become
    text."""
    n = len(df)
    arrays: list[pa.Array] = []
    for c in OBS_COLUMNS:
        if c not in df.columns:
            arrays.append(pa.nulls(n, type=pa.float64() if c == "value" else pa.string()))
        elif c == "value":
            values = pd.to_numeric(df[c], errors="raise").astype("float64")
            arrays.append(pa.array(values.to_numpy(), type=pa.float64(), from_pandas=True))
        else:
            col = df[c]
            if col.dtype != "str" and (c == "period" or col.dtype != object):
                col = col.astype(str)
            try:
                arrays.append(pa.array(col, type=pa.large_string(), from_pandas=True))
            except (pa.ArrowTypeError, pa.ArrowInvalid):  # text mixed with other objects
                text = col.where(col.isna(), col.astype(str))
                arrays.append(pa.array(text, type=pa.large_string(), from_pandas=True))
    return pa.Table.from_arrays(arrays, names=list(OBS_COLUMNS))


def _check_unique_in_obs(con: duckdb.DuckDBPyConnection, data: pd.DataFrame, ref: str) -> None:
    """:func:`_check_unique` on the registered ``_in_obs``: counted in the database, and the
    message (which needs the rows in input order) made from ``data`` only when a key repeats."""
    repeated = con.execute(
        "SELECT 1 FROM _in_obs GROUP BY area_code, area_version, variable, period "
        "HAVING count(*) > 1 LIMIT 1"
    ).fetchall()
    if repeated:
        keyed = data.assign(period=data["period"].astype(str))
        _check_unique(keyed, _KEY, ref)


def _check_unique(df: pd.DataFrame, key: list[str], ref: str) -> None:
    if df.empty:
        return
    dup = df.duplicated(key, keep=False)
    if dup.any():
        first = df.loc[dup, key].iloc[0]
        n = int(dup.sum())
        desc = ", ".join(f"{k}={first[k]!r}" for k in key)
        raise InputError(
            Message("err_svc_repeated_key", n=n, desc=desc),
            file=ref,
            field="+".join(key),
            expected=Message("exp_svc_one_per_key"),
        )


def _check_areas(areas: pd.DataFrame, links: pd.DataFrame, classes: pd.DataFrame, ref: str) -> None:
    """Unique keys, and area codes valid for their level."""
    _check_unique(areas, ["area_code", "version"], ref)
    _check_unique(links, ["from_code", "from_version", "to_code", "to_version", "method"], ref)
    _check_unique(classes, ["area_code", "version", "scheme", "period"], ref)
    for level, code in zip(areas["level"], areas["area_code"], strict=True):
        problem = validate_code(str(code), str(level))
        if problem is not None:
            raise InputError(
                Message("err_svc_invalid_code", code=repr(code), level=level),
                file=ref,
                field="area_code",
                expected=problem,
            )


def _upsert_areas(
    con: duckdb.DuckDBPyConnection,
    areas: pd.DataFrame,
    links: pd.DataFrame,
    classes: pd.DataFrame,
    sid: str,
) -> None:
    """Insert or update areas, links and classifications (inside the caller's transaction)."""
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


def _upsert_variables(
    con: duckdb.DuckDBPyConnection, variables: pd.DataFrame, sid: str | None
) -> None:
    """Insert new variables; fill the labels, units and descriptions the store lacks. The
    source is ``sid``, or (``None``) each variable's own ``source_id``."""
    if len(variables) and not _variables_stored(con, variables):
        con.register("_in_vars", variables if sid is None else variables.assign(source_id=sid))
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


def _variables_stored(con: duckdb.DuckDBPyConnection, variables: pd.DataFrame) -> bool:
    """Whether every variable is stored with the label, unit and description it brings
    (those it leaves empty aside): then the upsert would change nothing."""
    names = [str(v) for v in variables["variable"]]
    stored = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT variable, label, unit, description FROM variables WHERE variable IN "
            f"({', '.join('?' * len(names))})",
            names,
        ).fetchall()
    }
    for row in variables[["variable", "label", "unit", "description"]].itertuples(index=False):
        have = stored.get(row[0])
        if have is None or any(
            new is not None and new != old for new, old in zip(row[1:], have, strict=True)
        ):
            return False
    return True


#: The fast path of :func:`_write_revisions` lists the distinct variables, periods and
#: area versions of the incoming rows in its query; beyond this many of one it is not tried.
_FEW_DISTINCT = 1000


def _write_revisions(
    con: duckdb.DuckDBPyConnection, sid: str, ts: object, obs: pa.Table | None = None
) -> tuple[int, int]:
    """Write the rows of ``_in_obs`` that are new or differ from their current revision into
    ``observations``; return (new, revised).

    Notes
    -----
    When the store holds no observation of the incoming variables, periods and area versions
    together (``obs``, the registered table, gives them), every row is new: a plain insert
    of revision 1, with no join. Otherwise one ``INSERT … RETURNING revision``: a new key gets
    revision 1, a revised one the next after its current revision (at least 2), so the
    returned revisions count both. The stored rows are narrowed to the incoming keys before
    the latest revision per key is picked.
    """
    if obs is not None and obs.num_rows and _none_stored(con, obs):
        con.execute(
            """
            INSERT INTO observations
            SELECT area_code, area_version, variable, period, 1, value, unit,
                   missing_reason, ?, ?
            FROM _in_obs
            """,
            [sid, ts],
        ).fetchall()
        return obs.num_rows, 0
    revisions = con.execute(
        """
        INSERT INTO observations
        SELECT i.area_code, i.area_version, i.variable, i.period,
               coalesce(c.revision, 0) + 1, i.value, i.unit, i.missing_reason, ?, ?
        FROM _in_obs i
        LEFT JOIN (
            SELECT o.area_code, o.area_version, o.variable, o.period, o.revision,
                   o.value, o.unit, o.missing_reason
            FROM observations o
            SEMI JOIN _in_obs k USING (area_code, area_version, variable, period)
            QUALIFY o.revision = max(o.revision)
                OVER (PARTITION BY o.area_code, o.area_version, o.variable, o.period)
        ) c USING (area_code, area_version, variable, period)
        WHERE c.revision IS NULL
           OR c.value IS DISTINCT FROM i.value
           OR c.unit IS DISTINCT FROM i.unit
           OR c.missing_reason IS DISTINCT FROM i.missing_reason
        RETURNING revision
        """,
        [sid, ts],
    ).fetchnumpy()["revision"]
    n_new = int(np.count_nonzero(revisions == 1))
    return n_new, len(revisions) - n_new


def _none_stored(con: duckdb.DuckDBPyConnection, obs: pa.Table) -> bool:
    """Whether the store holds no observation whose variable, period and area version are
    all among those of ``obs`` (then none of its keys is stored). The values are given as
    lists, so DuckDB skips the row groups whose ranges hold none of them."""
    columns = ("variable", "period", "area_version")
    distinct = [pc.unique(obs[c]).to_pylist() for c in columns]
    if any(len(d) > _FEW_DISTINCT for d in distinct):
        return False
    where = " AND ".join(
        f"{c} IN ({', '.join('?' * len(d))})" for c, d in zip(columns, distinct, strict=True)
    )
    found = con.execute(
        f"SELECT 1 FROM observations WHERE {where} LIMIT 1",
        [v for d in distinct for v in d],
    ).fetchall()
    return not found
