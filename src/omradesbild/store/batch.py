"""Several parsed files' observations written with one statement per table.

:func:`write_observation_batch` leaves the store exactly as writing the files one after the
other with :meth:`~omradesbild.store.writes.StoreWrites.ingest_observations` would (the
same sources, variables, observations with their revisions, ingest-log rows and reports, in
the same order), but runs each statement once for all the files instead of once per file:
on small files the fixed cost of a statement outweighs the rows it writes.

It writes nothing and returns ``None`` where the files must be written one at a time: a key
repeated within a file (the error names the file), an area the store lacks (SCB's län and
kommun codes are then added, or the error raised, file by file), two files of the same
source, or a variable repeated within a file's variables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from omradesbild.sources.base import VARIABLE_COLUMNS, Areas, Observations, now_utc
from omradesbild.store.store import IngestReport, Store
from omradesbild.store.writes import (
    _none_stored,
    _observation_table,
    _upsert_variables,
    write_log,
)

_KEY = "area_code, area_version, variable, period"


def write_observation_batch(
    store: Store, batch: Sequence[Observations], *, kind: str
) -> list[IngestReport] | None:
    """Write the files' observations as one after the other, in the caller's transaction
    (or one of its own); ``None``, having written nothing, where they must go one at a time.

    Notes
    -----
    A file's row is written when it differs from the current value of its key, which is
    the stored one or that of an earlier file of the batch: it is written exactly when it
    differs from the key's previous row in file order (the latest stored revision for the
    first), and its revision is the stored one plus the number of rows written so far.
    When the store holds none of the batch's variables, periods and area versions together,
    only the rows of keys that repeat in the batch are compared (with the key's previous
    row), and the rows are written with one plain insert.
    """
    sids = [p.source.source_id for p in batch]
    variables = _batch_variables(batch, sids)
    if len(set(sids)) < len(sids) or variables is None:
        return None
    times = _times(len(batch))
    table = _batch_table(batch, sids, times)
    with store.transaction() as con:
        con.register("_in_batch", table)
        try:
            repeated = _repeated_keys(con, len(batch))
            if repeated is None or not _areas_stored(con):
                return None
            _write_sources(con, batch, times)
            _upsert_variables(con, variables, None)
            if _none_stored(con, table):
                new, revised = _write_new(con, table, len(batch), repeated=repeated.num_rows > 0)
            else:
                new, revised = _write_revisions(con, sids)
        finally:
            con.unregister("_in_batch")
            con.unregister("_repeated")
            con.unregister("_to_write")
        reports = [
            IngestReport(
                source_id=sid,
                reference=p.source.reference,
                kind=kind,
                rows_in=len(p.data),
                rows_new=n,
                rows_revised=r,
            )
            for p, sid, n, r in zip(batch, sids, new, revised, strict=True)
        ]
        write_log(con, [r for r in reports if r.changed])
    return reports


def batch_groups(
    pending: Iterable[object], commit_rows: int | None, batch_rows: int
) -> Iterator[tuple[list[Observations | Areas], bool]]:
    """The parsed files in groups written together, each with whether the transaction ends
    after it: consecutive observations of up to ``batch_rows`` rows (areas alone), cut
    where a transaction ends (the files written since the last commit hold ``commit_rows``
    rows) and at each other item (:data:`~omradesbild.store.ingest.FLUSH`)."""
    group: list[Observations | Areas] = []
    rows = since_commit = 0
    for p in pending:
        if not isinstance(p, Observations):
            if group:
                yield group, False
            group, rows = [], 0
            if not isinstance(p, Areas):
                continue
        group.append(p)
        n = _n_rows(p)
        rows, since_commit = rows + n, since_commit + n
        commit = commit_rows is not None and since_commit >= commit_rows
        if commit or rows >= batch_rows or isinstance(p, Areas):
            yield group, commit
            group, rows = [], 0
            since_commit = 0 if commit else since_commit
    if group:
        yield group, False


def _n_rows(parsed: Observations | Areas) -> int:
    if isinstance(parsed, Observations):
        return len(parsed.data)
    return len(parsed.areas) + len(parsed.links) + len(parsed.classifications)


def _times(n: int) -> list[datetime]:
    """The ingest time of each of ``n`` files: now, each later than the one before (the
    store lists sources in the order of their times, as when written one at a time)."""
    times = [now_utc()]
    for _ in range(n - 1):
        times.append(max(now_utc(), times[-1] + timedelta(microseconds=1)))
    return times


def _batch_table(batch: Sequence[Observations], sids: list[str], times: list[datetime]) -> pa.Table:
    """The files' observations one after the other (as :func:`_observation_table`), with
    each row's file (``_file``), position (``_row``), source and ingest time."""
    tables = [_observation_table(p.data) for p in batch]
    sizes = [t.num_rows for t in tables]
    files = pa.array(np.repeat(np.arange(len(batch), dtype=np.int32), sizes))
    table = pa.concat_tables(tables)
    return (
        table.append_column("_file", files)
        .append_column("_row", pa.array(np.arange(table.num_rows, dtype=np.int64)))
        .append_column("source_id", pc.take(pa.array(sids, type=pa.large_string()), files))
        .append_column(
            "ingested_at", pc.take(pa.array(times, type=pa.timestamp("us", tz="UTC")), files)
        )
    )


def _batch_variables(batch: Sequence[Observations], sids: list[str]) -> pd.DataFrame | None:
    """The variables of the files as upserting them file by file leaves them: in order of
    first appearance, with the source of the first file that brings each, and the last label,
    unit and description given (a file's empty ones keep the earlier). ``None`` when a
    file repeats a variable."""
    merged: dict[object, list[object]] = {}
    for p, sid in zip(batch, sids, strict=True):
        frame = p.variables
        n = len(frame)
        # as _with_columns: the columns in order, a missing one or value as None
        columns = [
            [None if pd.isna(v) else v for v in frame[c].tolist()]
            if c in frame.columns
            else [None] * n
            for c in VARIABLE_COLUMNS
        ]
        if len(set(columns[0])) < n:
            return None
        for name, *fields in zip(*columns, strict=True):
            have = merged.get(name)
            if have is None:
                merged[name] = [*fields, sid]
            else:
                pairs = zip(fields, have[:3], strict=True)
                have[:3] = [new if new is not None else old for new, old in pairs]
    rows = [(name, *fields) for name, fields in merged.items()]
    return pd.DataFrame(rows, columns=[*VARIABLE_COLUMNS, "source_id"], dtype=object)


def _repeated_keys(con: duckdb.DuckDBPyConnection, n_files: int) -> pa.Table | None:
    """The hashes of the keys that occur more than once in ``_in_batch``, registered as
    ``_repeated``; ``None`` when a key repeats within one file.

    Two keys of one hash (a 64-bit hash: hardly ever) are taken for a repeated key, which
    costs time only: the rows are then compared key by key as those of a repeated key are
    (or, in one file, the files are written one at a time).
    """
    if n_files <= 64:  # the files of each hash as the bits of one number
        found = con.sql(
            f"""
            SELECT hash({_KEY}) AS h,
                   count(*) > bit_count(bit_or(1::UBIGINT << _file)) AS within_file
            FROM _in_batch GROUP BY h HAVING count(*) > 1
            """
        ).to_arrow_table()
        if pc.any(found["within_file"]).as_py():
            return None
        con.register("_repeated", found.select(["h"]))
        return found.select(["h"])
    repeated = con.sql(
        f"SELECT hash({_KEY}) AS h FROM _in_batch GROUP BY h HAVING count(*) > 1"
    ).to_arrow_table()
    con.register("_repeated", repeated)
    within_file = con.execute(
        f"""
        SELECT 1 FROM _in_batch WHERE hash({_KEY}) IN (SELECT h FROM _repeated)
        GROUP BY _file, {_KEY} HAVING count(*) > 1 LIMIT 1
        """
    ).fetchall()
    return None if within_file else repeated


def _areas_stored(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store holds every area of ``_in_batch``."""
    return not con.execute(
        """
        SELECT 1 FROM (SELECT DISTINCT area_code, area_version FROM _in_batch) k
        ANTI JOIN areas a ON a.area_code = k.area_code AND a.version = k.area_version
        LIMIT 1
        """
    ).fetchall()


def _write_sources(
    con: duckdb.DuckDBPyConnection, batch: Sequence[Observations], times: list[datetime]
) -> None:
    rows = [
        (
            s.source_id,
            s.publisher,
            s.table_id,
            s.title,
            s.reference,
            s.checksum,
            s.licence,
            s.retrieved_at,
            s.notes,
            t,
        )
        for s, t in zip((p.source for p in batch), times, strict=True)
    ]
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows))
    con.execute(
        f"INSERT INTO sources VALUES {values} ON CONFLICT (source_id) DO NOTHING",
        [v for r in rows for v in r],
    )


def _changed(previous: str) -> str:
    """Whether row ``i`` differs from ``previous`` (a row alias, or ``lag(…) OVER w``)."""
    return " OR ".join(
        f"i.{c} IS DISTINCT FROM {previous.format(c)}" for c in ("value", "unit", "missing_reason")
    )


def _write_new(
    con: duckdb.DuckDBPyConnection, table: pa.Table, n_files: int, *, repeated: bool
) -> tuple[list[int], list[int]]:
    """Write ``_in_batch`` into a store that holds none of its keys: every row, except the
    rows of a key ``_repeated`` in the batch that equal the key's previous row (a later row
    that differs is a revision of the earlier). The new and the revised rows of each file."""
    n = table.num_rows
    keep = np.ones(n, dtype=bool)
    revision = np.ones(n, dtype=np.int32)
    if repeated:
        decided = con.execute(
            f"""
            SELECT _row, written, sum(written::INTEGER) OVER (
                PARTITION BY {_KEY} ORDER BY _file ROWS UNBOUNDED PRECEDING
            ) AS revision
            FROM (
                SELECT _row, _file, {_KEY},
                    lag(i._file) OVER w IS NULL OR {_changed("lag(i.{}) OVER w")} AS written
                FROM _in_batch i
                WHERE hash({_KEY}) IN (SELECT h FROM _repeated)
                WINDOW w AS (PARTITION BY {_KEY} ORDER BY _file)
            )
            """
        ).fetchnumpy()
        keep[decided["_row"]] = decided["written"]
        revision[decided["_row"]] = decided["revision"]
    con.register(
        "_to_write",
        table.append_column("revision", pa.array(revision)).append_column("_keep", pa.array(keep)),
    )
    con.execute(
        f"INSERT INTO observations SELECT {_KEY}, revision, value, unit, missing_reason, "
        "source_id, ingested_at FROM _to_write WHERE _keep"
    )
    files = table["_file"].to_numpy()
    new = np.bincount(files[keep & (revision == 1)], minlength=n_files)
    revised = np.bincount(files[keep & (revision > 1)], minlength=n_files)
    return [int(x) for x in new], [int(x) for x in revised]


def _write_revisions(
    con: duckdb.DuckDBPyConnection, sids: list[str]
) -> tuple[list[int], list[int]]:
    """Write the rows of ``_in_batch`` that change their key's current value, in the
    batch's order; the new and the revised rows of each file. The rows of the keys
    ``_repeated`` are compared with the key's previous row in the batch."""
    current = f"""
        SELECT o.area_code, o.area_version, o.variable, o.period, o.revision,
               o.value, o.unit, o.missing_reason
        FROM observations o SEMI JOIN _in_batch k USING ({_KEY})
        QUALIFY o.revision = max(o.revision) OVER (PARTITION BY {_KEY})
        """
    changed = f"c.revision IS NULL OR {_changed('c.{}')}"
    once = f"hash(i.{_KEY.replace(', ', ', i.')}) NOT IN (SELECT h FROM _repeated)"
    written = con.sql(
        f"""
        WITH c AS ({current}),
        single AS (
            SELECT i.*, coalesce(c.revision, 0) + 1 AS revision, {changed} AS written
            FROM _in_batch i LEFT JOIN c USING ({_KEY})
            WHERE {once}
        ),
        repeated AS (
            SELECT i.*, c.revision AS c_revision,
                CASE WHEN lag(i._file) OVER w IS NULL THEN {changed}
                ELSE {_changed("lag(i.{}) OVER w")}
                END AS written
            FROM _in_batch i LEFT JOIN c USING ({_KEY})
            WHERE NOT ({once})
            WINDOW w AS (
                PARTITION BY i.area_code, i.area_version, i.variable, i.period
                ORDER BY i._file
            )
        )
        INSERT INTO observations
        SELECT {_KEY}, revision, value, unit, missing_reason, source_id, ingested_at
        FROM (
            SELECT _row, {_KEY}, revision, value, unit, missing_reason, source_id,
                   ingested_at
            FROM single WHERE written
            UNION ALL
            SELECT _row, {_KEY}, revision, value, unit, missing_reason, source_id,
                   ingested_at
            FROM (
                SELECT *, coalesce(c_revision, 0) + sum(written::INTEGER) OVER (
                    PARTITION BY {_KEY} ORDER BY _file ROWS UNBOUNDED PRECEDING
                ) AS revision
                FROM repeated
            )
            WHERE written
        )
        ORDER BY _row
        RETURNING source_id, revision
        """
    ).to_arrow_table()
    written = written.append_column("new", pc.equal(written["revision"], 1))
    counts = written.group_by("source_id").aggregate([("revision", "count"), ("new", "sum")])
    found = {
        sid: (int(n), int(k))
        for sid, n, k in zip(
            counts["source_id"].to_pylist(),
            counts["revision_count"].to_pylist(),
            counts["new_sum"].to_pylist(),
            strict=True,
        )
    }
    new = [found.get(sid, (0, 0))[1] for sid in sids]
    return new, [found.get(sid, (0, 0))[0] - n for sid, n in zip(sids, new, strict=True)]
