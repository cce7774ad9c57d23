"""Ingest files into the store, in their order.

Parsing is pure (readers in :mod:`omradesbild.sources`); files are written in their order and
let go once written. Consecutive files of observations are written together, up to
:data:`~omradesbild.config.INGEST_BATCH_ROWS` rows (:mod:`omradesbild.store.batch`: the store
is left as writing them one after the other leaves it, with fewer statements). They are
parsed in this process just before they are written, or by worker processes
(:func:`parsed_in_order`) a few files ahead, so memory holds a few parsed files (at most a
batch's rows) whatever the number of files.

The transaction unit is chosen by the caller (:func:`ingest_stream`):

* **one command** (the default, and what ``omradesbild ingest …`` does): all files in one
  transaction. A bad file (or a bad row in it) rolls back everything the command wrote, so the
  command ingests all its files or none of them.
* **whole files up to a number of rows** (``commit_rows``, for national bulk ingests of
  hundreds of files; :data:`~omradesbild.config.BULK_COMMIT_ROWS`): a commit whenever the
  files written since the last commit hold that many rows. A failure leaves the files of the
  earlier transactions ingested whole (their sources, observations and ingest-log rows), and
  nothing of the failing transaction's files or of those after it; no file is ever
  half-written. Ingest is idempotent (an unchanged value is skipped), so running the same
  ingest again after fixing the file writes exactly the rest.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Unpack

import pandas as pd
import pyarrow as pa

from omradesbild.errors import InputError
from omradesbild.sources.base import Areas, Observations
from omradesbild.store.batch import batch_groups
from omradesbild.store.store import IngestReport, Store
from omradesbild.wording import Message

if TYPE_CHECKING:
    from omradesbild.sources.boundaries.read import LayerFields

Parsed = Observations | Areas


def _exists(path: Path, *, directory_ok: bool = False) -> Path:
    if not path.exists():
        raise InputError(
            Message("err_src_file_not_found"), file=path, expected=Message("exp_src_existing_file")
        )
    if path.is_dir() and not directory_ok:
        raise InputError(
            Message("err_svc_is_folder"), file=path, expected=Message("exp_svc_a_file")
        )
    return path


def parse_scb_xlsx(path: Path, *, area_version: str | None = None) -> Observations:
    from omradesbild.sources.scb_xlsx import read_scb_xlsx

    return read_scb_xlsx(_exists(path), area_version=area_version)


def parse_pxweb_file(
    path: Path,
    *,
    fmt: str = "auto",
    area_version: str | None = None,
    total_area: str | None = None,
) -> Observations:
    """A saved PX-Web answer: JSON-stat2 or v1's plain JSON (``.json``), CSV or PX."""
    import contextlib
    import json

    from omradesbild.sources.pxweb import (
        parse_jsonstat2,
        parse_px,
        parse_pxweb_csv,
        parse_pxweb_json,
    )
    from omradesbild.sources.pxweb.catalogue import catalogue_map, table_id_of
    from omradesbild.sources.pxweb.plainjson import is_plain_json

    _exists(path)
    data = path.read_bytes()
    if fmt == "auto":
        suffix = path.suffix.lower()
        fmt = {".json": "json-stat2", ".csv": "csv", ".px": "px"}.get(suffix, "")
        if not fmt:
            raise InputError(
                Message("err_svc_format_from_ending", ending=repr(suffix)),
                file=path,
                expected=Message("exp_svc_pxweb_file"),
            )
        if fmt == "json-stat2":
            with contextlib.suppress(UnicodeDecodeError, json.JSONDecodeError):
                # when the file is not JSON at all, the JSON-stat reader names the problem
                fmt = "json" if is_plain_json(json.loads(data.decode("utf-8-sig"))) else fmt
    names = catalogue_map(table_id_of(data, fmt) or path.stem)
    if fmt == "csv":
        return parse_pxweb_csv(data, reference=path.name, area_version=area_version)
    parsers: dict[str, Callable[..., Observations]] = {
        "json-stat2": parse_jsonstat2,
        "json": partial(parse_pxweb_json, table_id=path.stem),
        "px": parse_px,
    }
    if fmt not in parsers:
        raise InputError(
            Message("err_svc_unknown_format", format=repr(fmt)), file=path,
            expected="json-stat2, json, csv, px",
        )  # fmt: skip
    return parsers[fmt](
        data,
        reference=path.name,
        area_version=area_version,
        total_area=total_area,
        variable_map=names,
    )


def parse_px_file(
    path: Path,
    *,
    lang: str | None = None,
    area_version: str | None = None,
    total_area: str | None = None,
) -> Observations:
    """A PX file (PC-Axis / PxWeb); catalogued SCB tables get the catalogue's variable ids."""
    from omradesbild.sources.pxweb import read_px
    from omradesbild.sources.pxweb.catalogue import catalogue_map, table_id_of

    table = table_id_of(_exists(path).read_bytes(), "px") or path.stem
    return read_px(
        path,
        lang=lang,
        area_version=area_version,
        total_area=total_area,
        variable_map=catalogue_map(table),
    )


def parse_scb_key(path: Path) -> Areas:
    from omradesbild.sources.scb_key import read_scb_key

    return read_scb_key(_exists(path))


def parse_boundaries(
    path: Path,
    *,
    level: str | None = None,
    version: str | None = None,
    **fields: Unpack[LayerFields],
) -> Areas:
    """Read a boundary file; level, version and fields are detected for known layers.

    As :func:`~omradesbild.sources.boundaries.read_boundaries`, but level and version may be
    left out: a known layer is then read with its own fields, and a re-exported one given
    only its version gets its level and code field from its values.
    """
    from omradesbild.sources.boundaries import (
        detect_level,
        known_layer,
        read_boundaries,
        read_known_boundaries,
    )

    _exists(path, directory_ok=True)  # a FileGDB is a folder
    layer, code_field = fields.get("layer"), fields.get("code_field")
    if level is None and version is None and code_field is None and known_layer(path):
        return read_known_boundaries(path, layer=layer, repair=fields.get("repair", False))
    if level is None and version is not None:
        # a re-exported layer: the level (and code field) from the values
        level, fields["code_field"] = detect_level(path, layer=layer, code_field=code_field)
    if level is None or version is None:
        raise InputError(
            Message("err_svc_level_version_needed"),
            file=path,
            expected=Message("exp_svc_level_version"),
        )
    return read_boundaries(path, level=level, version=version, **fields)


def kommun_names(store: Store) -> dict[str, str]:
    """Kommun name -> code, from the kommun areas in the store."""
    df = store.areas(level="kommun")
    return {str(n): str(c) for n, c in zip(df["name"], df["area_code"], strict=True) if n}


def ingest_parsed(store: Store, parsed: Sequence[Parsed], *, kind: str) -> list[IngestReport]:
    """Write already-parsed sources in one transaction (areas before observations).

    Län and kommun codes of SCB's current lists that the observations use and the store does
    not hold yet are added first (the lists ship with the package), so statistics of kommuner
    and län need no boundary file ingested before them.
    """
    from omradesbild.config import INGEST_DUCKDB_THREADS

    ordered = sorted(parsed, key=lambda p: 0 if isinstance(p, Areas) else 1)
    with store.threads(INGEST_DUCKDB_THREADS), store.transaction():
        builtin, known = _reference_areas(store, ordered)
        if builtin is not None:
            store.ingest(builtin, kind="reference-areas")
        return [
            store.ingest_observations(p, kind=kind, require_known_areas=False)
            if known and isinstance(p, Observations)
            else store.ingest(p, kind=kind)
            for p in ordered
        ]


class _Flush:
    """The type of :data:`FLUSH`."""

    def __repr__(self) -> str:
        return "FLUSH"


#: An item of :func:`ingest_stream`'s sources: the iterable is advanced past it only when
#: everything before it is written (for sources whose parsing reads the store).
FLUSH = _Flush()

#: What :func:`ingest_stream` takes: a parsed file, a picklable call that parses one
#: (``functools.partial(read_scb_xlsx, path)``), or :data:`FLUSH`.
Source = Parsed | Callable[[], Parsed] | _Flush


def ingest_workers(workers: int | None = None, *, paths: Iterable[str | Path] | None = None) -> int:
    """The number of processes that parse files: ``workers`` when given, else
    ``$OMRADESBILD_INGEST_WORKERS``, else :data:`~omradesbild.config.INGEST_WORKERS`, else
    the number of CPUs this process may use, or 1 when the files ``paths`` hold less than
    :data:`~omradesbild.config.INGEST_POOL_MIN_BYTES` in all (starting the processes would
    cost more time than they save)."""
    from omradesbild.config import (
        INGEST_POOL_MIN_BYTES,
        INGEST_WORKERS,
        INGEST_WORKERS_ENV,
        process_count,
    )

    return process_count(
        workers,
        env=INGEST_WORKERS_ENV,
        default=INGEST_WORKERS,
        small=paths is not None and _size(paths) < INGEST_POOL_MIN_BYTES,
        error="err_svc_ingest_workers",
    )


def _size(paths: Iterable[str | Path]) -> int:
    """The files' bytes in all (a folder, such as a FileGDB, or a missing file: 0)."""
    total = 0
    for p in paths:
        with suppress(OSError):
            total += os.stat(p).st_size if os.path.isfile(p) else 0
    return total


def parsed_in_order(
    sources: Iterable[Source], *, workers: int = 1, flushes: bool = False
) -> Generator[Parsed | _Flush, None, None]:
    """The sources parsed, in the iterable's order.

    With ``workers`` 1, each call is made when its result is asked for (one parsed file in
    memory at a time). With more, the calls run in that many worker processes (parsing is
    pure), at most two per worker ahead of the one asked for; the pool starts only when two
    calls are waiting at once. A failed call raises when its turn comes, as in the serial
    order, and the calls queued after it are cancelled.

    With ``flushes``, each :data:`FLUSH` is yielded too, after everything before it: the
    iterable is advanced past it when the caller asks for the next item, so a caller that
    holds parsed files before writing them writes them on a FLUSH.
    """
    if workers <= 1:
        for source in sources:
            if not isinstance(source, _Flush):
                yield source() if callable(source) else source
            elif flushes:
                yield source
        return
    items = iter(sources)
    queue: deque[Parsed | Callable[[], Parsed] | Future[Parsed]] = deque()
    pool: ProcessPoolExecutor | None = None
    try:
        blocked = exhausted = False
        while True:
            if blocked and not queue:
                if flushes:
                    yield FLUSH
                blocked = False  # everything before the FLUSH has been written
            while not (blocked or exhausted) and len(queue) < 2 * workers:
                item: Source | None = next(items, None)
                if item is None:
                    exhausted = True
                elif isinstance(item, _Flush):
                    blocked = True
                else:
                    queue.append(item)
                    if pool is None and sum(_waiting(q) for q in queue) > 1:
                        pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
                    if pool is not None:
                        with _main_module_hidden():  # workers start on the first calls
                            for i, q in enumerate(queue):
                                if _waiting(q):
                                    queue[i] = pool.submit(q)  # type: ignore[arg-type]
            if not queue:
                return
            head = queue.popleft()
            if isinstance(head, Future):
                yield head.result()
            else:
                yield head() if callable(head) else head
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Worker processes started in this block do not run the program's main module again.

    A new process started by ``spawn`` imports the main module of its parent, so a script
    without an ``if __name__ == "__main__":`` guard would run again in every worker. The
    calls a worker runs are functions of importable modules, so the workers need nothing
    from it.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _waiting(item: object) -> bool:
    """Whether a queued item is a call not yet given to the pool."""
    return callable(item) and not isinstance(item, Future)


def ingest_stream(
    store: Store,
    sources: Iterable[Source],
    *,
    kind: str,
    commit_rows: int | None = None,
    workers: int = 1,
) -> list[IngestReport]:
    """Write sources in the order the iterable yields them.

    Give calls that parse on demand (``partial(read_scb_xlsx, path)``, or a generator of
    parsed files) and only a few parsed files are in memory at a time. Each source is
    written as by :func:`ingest_parsed` (SCB's län and kommun codes it uses added first), so
    areas a later file uses must come earlier in the iterable. Consecutive files of
    observations are held until they reach :data:`~omradesbild.config.INGEST_BATCH_ROWS`
    rows, the end of a transaction or a :data:`FLUSH`, then written together as one after
    the other would be (:func:`~omradesbild.store.batch.write_observation_batch`).

    Parameters
    ----------
    store
        The store to write to.
    sources
        Parsed files, calls that parse one, and :data:`FLUSH` before sources whose parsing
        needs what was written before them.
    kind
        Label for the ingest log.
    commit_rows
        None (default): one transaction for everything; a failure in any file, while
        parsing or writing, leaves the store as it was. A number: commit whenever the files
        written since the last commit hold at least that many rows (1: every file on its
        own). A transaction always holds whole files, so a failure leaves the files of the
        earlier transactions written whole and nothing of the failing file's transaction.
    workers
        Processes that parse the calls while this one writes (:func:`parsed_in_order`);
        1 (default) parses them here, one at a time. The store, the reports and the errors
        are the same for any number: files are written in the iterable's order.
    """
    from omradesbild.config import INGEST_BATCH_ROWS, INGEST_DUCKDB_THREADS

    pending = parsed_in_order(sources, workers=workers, flushes=True)
    groups = batch_groups(pending, commit_rows, INGEST_BATCH_ROWS)
    try:
        reports: list[IngestReport] = []
        with store.threads(INGEST_DUCKDB_THREADS):
            if commit_rows is None:
                with store.transaction():
                    for group, _ in groups:
                        reports += _write_group(store, group, kind=kind)
                return reports
            while True:
                with store.transaction():
                    for group, commit in groups:
                        reports += _write_group(store, group, kind=kind)
                        if commit:
                            break
                    else:
                        return reports
    finally:
        pending.close()


def _write_group(store: Store, group: list[Parsed], *, kind: str) -> list[IngestReport]:
    """Write a group of parsed files as one after the other: several files' observations
    together (:func:`~omradesbild.store.batch.write_observation_batch`) where they can be."""
    if len(group) > 1:
        from omradesbild.store import batch

        observations = [p for p in group if isinstance(p, Observations)]
        if len(observations) == len(group):
            written = batch.write_observation_batch(store, observations, kind=kind)
            if written is not None:
                return written
    return [r for p in group for r in ingest_parsed(store, [p], kind=kind)]


def _code_pairs(df: pd.DataFrame, code: str, version: str) -> set[tuple[str, str]]:
    """The distinct (code, version) pairs of a frame (deduplicated before leaving pandas)."""
    pairs = df[[code, version]].drop_duplicates()
    return set(zip(pairs[code].tolist(), pairs[version].tolist(), strict=True))


def _not_stored(store: Store, data: pd.DataFrame) -> set[tuple[str, str]]:
    """The distinct (area_code, area_version) pairs of observations that the store's areas
    lack, found in the database (no Python object per row or per stored area)."""
    columns = ["area_code", "area_version"]
    try:
        keys = pa.table({c: pa.array(data[c], type=pa.large_string()) for c in columns})
        pairs: pa.Table | pd.DataFrame = keys.group_by(columns).aggregate([])
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # codes that are not text
        pairs = data[columns].drop_duplicates()
    store.con.register("_in_area_keys", pairs)
    try:
        rows = store.con.execute(
            """
            SELECT k.area_code, k.area_version FROM _in_area_keys k
            ANTI JOIN areas a ON a.area_code = k.area_code AND a.version = k.area_version
            """
        ).fetchall()
    finally:
        store.con.unregister("_in_area_keys")
    return {(c, v) for c, v in rows}


def _reference_areas(store: Store, parsed: Sequence[Parsed]) -> tuple[Areas | None, bool]:
    """SCB's län and kommun areas that the observations use and the store lacks, and
    whether every area the observations use is stored or among the areas of ``parsed``
    (then there is no need to look for unknown codes again when they are written)."""
    from omradesbild.areas.registry import reference_areas

    used: set[tuple[str, str]] = set()
    for p in parsed:
        if isinstance(p, Observations) and len(p.data):
            used |= _not_stored(store, p.data)
    for p in parsed:  # areas written by the same command, just before the observations
        if used and isinstance(p, Areas) and len(p.areas):
            used -= _code_pairs(p.areas, "area_code", "version")
    if not used:
        return None, True
    _check_kommun_codes(used, parsed)
    return reference_areas(sorted(used)), False


def _check_kommun_codes(used: set[tuple[str, str]], parsed: Sequence[Parsed]) -> None:
    """Kommun codes neither in SCB's current list, nor ended ones, nor in the store."""
    from omradesbild.areas.registry import kommuner
    from omradesbild.config import DEFAULT_VERSION
    from omradesbild.errors import UnknownAreaError

    current = set(kommuner()["code"])
    unknown = sorted(
        c for c, v in used if v == DEFAULT_VERSION["kommun"] and c.isdigit() and c not in current
    )
    if unknown:
        ref = next(
            (
                p.source.reference
                for p in parsed
                if isinstance(p, Observations) and set(p.data["area_code"]) & set(unknown)
            ),
            None,
        )
        raise UnknownAreaError(
            Message("err_svc_unknown_kommuner", codes=", ".join(unknown)),
            file=ref,
            field="area_code",
            expected=Message("exp_svc_kommun_code"),
        )


def ingest_files(
    store: Store,
    paths: Sequence[str | Path],
    parse: Callable[[Path], Parsed],
    *,
    kind: str,
    workers: int = 1,
    on_parsed: Callable[[int], None] | None = None,
) -> list[IngestReport]:
    """Parse and write the files in their order, all in one transaction (see
    :func:`ingest_stream`): a bad file leaves the store as it was.

    ``workers`` processes parse the files while this one writes (``parse`` must then be
    picklable: a module's function, or a :func:`functools.partial` of one); 1 parses them
    here, one at a time. ``on_parsed`` is called with the number of files parsed so far.
    """
    parsed = parsed_in_order([partial(parse, Path(p)) for p in paths], workers=workers)
    if on_parsed is not None:
        parsed = _counted(parsed, on_parsed)
    return ingest_stream(store, parsed, kind=kind)


def _counted(
    parsed: Generator[Parsed | _Flush, None, None], tick: Callable[[int], None]
) -> Generator[Parsed | _Flush, None, None]:
    try:
        for n, p in enumerate(parsed, 1):
            tick(n)
            yield p
    finally:
        parsed.close()  # a failed write stops the worker processes


def variable_sources(store: Store) -> pd.DataFrame:
    """Each stored variable with the tables its current values come from.

    Columns ``variable`` and ``source_tables`` (``"SCB TAB6471, SCB 000005FE"``).
    """
    return store.con.execute(
        """
        SELECT o.variable,
               string_agg(DISTINCT s.publisher || ' ' || s.table_id, ', '
                          ORDER BY s.publisher || ' ' || s.table_id) AS source_tables
        FROM current_observations o JOIN sources s USING (source_id)
        GROUP BY o.variable ORDER BY o.variable
        """
    ).df()


def describe(report: IngestReport) -> str:
    """One line per ingested source for the command line."""
    parts = [f"{report.reference}:"]
    if report.areas or report.links or report.classifications:
        parts.append(
            f"{report.areas} areas, {report.links} links, "
            f"{report.classifications} classifications ({report.rows_new} new)"
        )
    else:
        parts.append(
            f"{report.rows_in} observations — {report.rows_new} new, "
            f"{report.rows_revised} revised, {report.rows_unchanged} unchanged"
        )
    return " ".join(parts)


def summarise(reports: Sequence[IngestReport]) -> dict[str, Any]:
    """Totals over several reports."""
    return {
        "sources": len(reports),
        "rows_in": sum(r.rows_in for r in reports),
        "rows_new": sum(r.rows_new for r in reports),
        "rows_revised": sum(r.rows_revised for r in reports),
    }
