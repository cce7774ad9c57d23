"""The offline demo: the synthetic city Exempelstad through the real pipeline.

:func:`build_demo_store` generates Exempelstad (SYNTHETIC data, see
:mod:`omradesbild.synthetic`), writes it as files in the same formats as the real sources
(SCB xlsx exports, SCB's key, GeoPackages, police files, crime extracts, long CSVs) and ingests
them with the same readers a municipal analyst uses on real files, into a fresh store.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from omradesbild.config import (
    AREA_TYPE_METHOD,
    BASE_VERSION,
    BULK_COMMIT_ROWS,
    DEFAULT_VERSION,
    NEW_DESO_VERSION,
)
from omradesbild.services.harmonize import store_code_rule
from omradesbild.services.store_info import store_summary
from omradesbild.sources.base import (
    Areas,
)
from omradesbild.store import IngestReport, Store
from omradesbild.store.ingest import (
    FLUSH,
    Source,
    ingest_parsed,
    ingest_stream,
    ingest_workers,
    kommun_names,
)

SYNTHETIC_PUBLISHER = "Områdesbild (syntetiska data)"


@dataclass
class DemoResult:
    """What the demo built."""

    store_path: Path
    source_dir: Path
    reports: list[IngestReport] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    indices: dict[str, pd.DataFrame] = field(default_factory=dict)
    followup: dict[str, pd.DataFrame] = field(default_factory=dict)
    site: Path | None = None


def _boundaries(files: dict[str, Path]) -> list[Areas]:
    from omradesbild.sources.boundaries import read_boundaries

    spec = [
        ("geo/kommun", "kommun", DEFAULT_VERSION["kommun"], "kommunkod", "kommunnamn", None),
        ("geo/districts", "district", "exempelstad2024", "omrade_kod", "omrade_namn", None),
        ("geo/regso2020", "regso", DEFAULT_VERSION["regso"], "regsokod", "regsonamn", None),
        ("geo/deso2018", "deso", BASE_VERSION, "desokod", None, "regsokod"),
        ("geo/deso2025", "deso", NEW_DESO_VERSION, "desokod", None, "regsokod"),
    ]
    out = []
    for key, level, version, code, name, parent in spec:
        out.append(
            read_boundaries(
                files[key],
                level=level,
                version=version,
                code_field=code,
                name_field=name,
                parent_field=parent,
                parent_level="regso" if parent else None,
                parent_version=DEFAULT_VERSION["regso"] if parent else None,
                publisher=SYNTHETIC_PUBLISHER,
            )
        )
    return out


def _fresh(out: Path, db: Path | None, name: str) -> tuple[Path, Path]:
    """``out/sources`` emptied and the store file (``db`` or ``out/name``) removed."""
    src_dir = out / "sources"
    if src_dir.exists():
        shutil.rmtree(src_dir)
    store_path = Path(db) if db is not None else out / name
    for p in (store_path, Path(f"{store_path}.wal")):
        p.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    return src_dir, store_path


def build_demo_store(
    out: Path, *, db: Path | None = None, seed: int = 20240101, site: bool = False
) -> DemoResult:
    """Generate Exempelstad, write its source files under ``out`` and ingest them afresh.

    Parameters
    ----------
    out
        Folder for the generated source files (``out/sources``) and the store.
    db
        Store file; default ``out/exempelstad.duckdb``. An existing file is replaced.
    seed
        Seed of the synthetic city (the default gives the documented city).
    site
        Also build the static report site (city overview and RegSO profiles) in
        ``out/site``.
    """
    from omradesbild.services.followup import demo_followup
    from omradesbild.sources.police import read_police_areas
    from omradesbild.sources.scb_key import read_scb_key
    from omradesbild.synthetic import generate_city, write_city_files

    src_dir, store_path = _fresh(Path(out), db, "exempelstad.duckdb")

    city = generate_city(seed=seed)
    files = write_city_files(city, src_dir)

    result = DemoResult(store_path=store_path, source_dir=src_dir)
    with Store(store_path) as store:
        areas: list[Areas] = [read_scb_key(files["scb/key"]), *_boundaries(files)]
        # Police polygons for every year. (The latest year is also written as a list CSV,
        # the form the Police publish without polygons; the polygons are used here.)
        for key in sorted(k for k in files if k.startswith("police/areas/")):
            areas.append(read_police_areas(files[key], year=int(key.rsplit("/", 1)[1])))
        areas.append(_city_keys(city.links))
        result.reports += ingest_parsed(store, areas, kind="demo-areas")

        result.reports += ingest_observation_files(store, files)
        result.summary = store_summary(store)
        result.indices = demo_indices(store, out)
        result.followup = demo_followup(store, out)
        if site:
            from omradesbild.reports.site import build_site
            from omradesbild.services.city import load_city

            build_site(load_city(store, level="regso"), out / "site")
            result.site = out / "site" / "index.html"
    return result


def build_sweden_store(
    out: Path,
    *,
    db: Path | None = None,
    kommuner: int = 290,
    years: range = range(2010, 2025),
    seed: int = 20250101,
) -> DemoResult:
    """Generate the SYNTHETIC Sweden, write its files under ``out/sources`` and ingest them
    into a fresh store (default ``out/sverige.duckdb``; an existing file is replaced).

    See :func:`~omradesbild.synthetic.national.generate_sweden` for ``kommuner``, ``years``
    and ``seed``.
    """
    from omradesbild.synthetic.national import generate_sweden
    from omradesbild.synthetic.national_files import write_sweden_files

    src_dir, store_path = _fresh(Path(out), db, "sverige.duckdb")
    files = write_sweden_files(generate_sweden(seed=seed, years=years, kommuner=kommuner), src_dir)
    result = DemoResult(store_path=store_path, source_dir=src_dir)
    with Store(store_path) as store:
        result.reports = ingest_sweden(store, files)
        result.summary = store_summary(store)
    return result


def ingest_observation_files(
    store: Store,
    files: dict[str, Path],
    *,
    commit_rows: int | None = None,
    workers: int | None = None,
) -> list[IngestReport]:
    """Ingest the synthetic statistics (as written by the city's or Sweden's writers) into a
    store that holds their areas: every SCB xlsx (``…/deso2025`` keys as DeSO 2025), the
    extra DeSO variables, the surveys (when written) and the crime extracts, then the DeSO
    2018 → 2025 code rule.

    The files are written one at a time in this order
    (:func:`~omradesbild.store.ingest.ingest_stream`), parsed by ``workers`` processes
    (default :func:`~omradesbild.store.ingest.ingest_workers`; 1: parsed here, one at a
    time): all in one transaction, or with ``commit_rows`` whole files up to that many rows
    per transaction."""
    from omradesbild.sources.crime import read_crime_csv
    from omradesbild.sources.long_csv import read_long_csv
    from omradesbild.sources.scb_xlsx import read_scb_xlsx

    def calls() -> Iterator[Source]:
        for k in sorted(files):
            if k.startswith("scb/0"):
                version = NEW_DESO_VERSION if k.endswith("/deso2025") else None
                yield partial(read_scb_xlsx, files[k], area_version=version)
        yield partial(read_long_csv, files["scb/extra"], publisher=SYNTHETIC_PUBLISHER)
        if "surveys" in files:
            yield partial(read_long_csv, files["surveys"], publisher=SYNTHETIC_PUBLISHER)
        yield FLUSH  # the kommun names are those of the store once the statistics are in
        names = kommun_names(store)
        for k in sorted(files):
            if k.startswith("crime/"):
                yield partial(read_crime_csv, files[k], kommun_codes=names)

    kind = "demo-observations"
    reports = ingest_stream(
        store,
        calls(),
        kind=kind,
        commit_rows=commit_rows,
        workers=ingest_workers(workers, paths=files.values()),
    )
    return reports + store_code_rule(store, kind="demo-code-rule")[0]


def ingest_sweden(
    store: Store, files: dict[str, Path], *, workers: int | None = None
) -> list[IngestReport]:
    """Ingest the SYNTHETIC Sweden's files (see
    :func:`~omradesbild.synthetic.national_files.write_sweden_files`) with the real readers:
    SCB's two keys (areas and links, no polygons), then :func:`ingest_observation_files`
    with whole files of up to :data:`~omradesbild.config.BULK_COMMIT_ROWS` rows per
    transaction (a national ingest of hundreds of files holds a few files in memory at a
    time), parsed by ``workers`` processes."""
    from omradesbild.sources.deso2025 import read_deso2025_key
    from omradesbild.sources.scb_key import read_scb_key

    areas = [read_scb_key(files["scb/key"]), read_deso2025_key(files["scb/key2025"])]
    reports = ingest_parsed(store, areas, kind="sweden-areas")
    return reports + ingest_observation_files(
        store, files, commit_rows=BULK_COMMIT_ROWS, workers=workers
    )


def demo_indices(store: Store, out: Path) -> dict[str, pd.DataFrame]:
    """Both pictures for every RegSO: SCB's area types and crime/insecurity, written as CSV.

    The socioeconomic index uses the latest year; the crime and insecurity index the latest
    year with a safety survey.
    """
    from omradesbild.index import load_method
    from omradesbild.services.pipeline import IndexSelection, area_index

    periods = store_summary(store)["periods"]
    survey = store.observations(variables=["survey_respondents"])
    latest = {AREA_TYPE_METHOD: periods[-1], "brott-trygghet": str(survey["period"].max())}
    results = {
        name: area_index(store, IndexSelection(load_method(name), "regso", period))
        for name, period in latest.items()
    }
    for name, df in results.items():
        df.to_csv(out / f"index_{name}_regso.csv", index=False)
    return results


def _city_keys(links: pd.DataFrame) -> Areas:
    """The city's own key from RegSO to its districts (as a city's GIS unit would supply)."""
    keys = links[links["to_level"] == "district"].reset_index(drop=True)
    return Areas.of_links(
        keys,
        publisher=SYNTHETIC_PUBLISHER,
        table_id="exempelstad-regso-district",
        title="SYNTETISKA DATA – Exempelstad: nyckel RegSO -> stadsdel",
        reference="exempelstad-regso-district",
    )
