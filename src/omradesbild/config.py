"""Defaults of the whole package, in one place.

Every layer (sources, store, core, services, renderers) reads its defaults from here; none
defines its own. Change a default here and it changes everywhere.

Per-indicator limits (the smallest denominator of a reliable estimate) are part of each
indicator's definition and live in the indicator catalogue, not here.
"""

from __future__ import annotations

import os
from pathlib import Path

# ------------------------------------------------------------------------------ store

#: Environment variable that overrides the default store path.
DB_ENV = "OMRADESBILD_DB"
#: Default store path (relative to the working directory).
DEFAULT_DB = "omradesbild.duckdb"
#: Environment variable that sets how many computed results (e.g. a level's indicators)
#: the service layer keeps in memory per store content; ``0`` turns that cache off.
SERVICE_CACHE_ENV = "OMRADESBILD_SERVICE_CACHE"
#: Default number of results kept (see :mod:`omradesbild.services.cache`).
SERVICE_CACHE_ENTRIES = 8
#: Environment variable naming the folder where results computed from a store's content are
#: kept between commands (``off`` keeps nothing on disk); see :func:`cache_dir`.
CACHE_DIR_ENV = "OMRADESBILD_CACHE_DIR"
#: Values of :data:`CACHE_DIR_ENV` that keep nothing on disk.
CACHE_DIR_OFF = ("off", "0", "none", "no")
#: The most the results kept between commands may take on disk (bytes); beyond it the least
#: recently used are removed (:mod:`omradesbild.services.disk_cache`).
CACHE_DIR_MAX_BYTES = 500 * 1024 * 1024


def cache_dir() -> Path | None:
    """The folder of results kept between commands, or None when none is kept.

    ``$OMRADESBILD_CACHE_DIR`` when set (``off``, ``0``, ``none`` or ``no``: nothing is kept
    on disk), else the user's cache folder for ``omradesbild`` (``~/.cache/omradesbild`` on
    Linux, as :func:`platformdirs.user_cache_dir` gives it). The folder need not exist yet.
    """
    text = os.environ.get(CACHE_DIR_ENV)
    if text is not None and text.strip():
        if text.strip().lower() in CACHE_DIR_OFF:
            return None
        return Path(text.strip()).expanduser()
    return user_cache_folder()


def user_cache_folder() -> Path:
    """The user's cache folder for ``omradesbild`` (``~/.cache/omradesbild`` on Linux, as
    :func:`platformdirs.user_cache_dir` gives it): the default of :func:`cache_dir` and of the
    live clients' HTTP cache."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("omradesbild", appauthor=False))


def process_count(
    given: int | None,
    *,
    env: str,
    default: int | None,
    small: bool,
    cap: int | None = None,
    error: str,
) -> int:
    """How many processes a command's work is shared among.

    ``given`` (the command's option) when not None, else the whole number in the
    environment variable ``env``, else ``default`` (this module's setting), else 1 when the
    work is ``small`` (starting processes would cost more than they save), else the CPUs this
    process may use, at most ``cap``.

    Raises
    ------
    ConfigError
        A number below 1 (worded by the key ``error``), or ``env`` holding anything but a
        whole number of at least 1 (the key ``error`` + ``"_env"``).
    """
    from omradesbild.errors import ConfigError
    from omradesbild.wording import both

    n = given
    if n is None:
        text = os.environ.get(env, "").strip()
        if text:
            try:
                n = int(text)
            except ValueError:
                n = 0
            if n < 1:
                raise ConfigError(both(f"{error}_env", name=env, value=repr(text)))
    if n is None:
        n = default
    if n is None and small:
        n = 1
    if n is None:
        try:
            n = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            n = os.cpu_count() or 1
        if cap is not None:
            n = min(n, cap)
    if n < 1:
        raise ConfigError(both(error, n=n))
    return n


#: The partners' database beside a store ``city.duckdb`` is ``city-partners.sqlite``.
PARTNERS_DB_SUFFIX = "-partners.sqlite"


def default_partners_url(store_path: str | os.PathLike[str]) -> str:
    """The default partners' database: ``<store stem>-partners.sqlite`` beside the store
    file (here, not in :mod:`omradesbild.partners`, which loads SQLAlchemy and the
    partners' service: the report asks only whether that file exists)."""
    p = Path(store_path)
    return f"sqlite:///{p.with_name(p.stem + PARTNERS_DB_SUFFIX)}"


# ------------------------------------------------------------------------------ areas

#: Default boundary version of each level.
DEFAULT_VERSION: dict[str, str] = {
    "deso": "deso2018",
    "regso": "regso2020",
    "kommun": "kommun2025",
    "lan": "lan2025",
    "country": "country",
}

#: Known boundary versions per level (users may add others: free text is allowed).
KNOWN_VERSIONS: dict[str, tuple[str, ...]] = {
    "deso": ("deso2018", "deso2025"),
    "regso": ("regso2020", "regso2025"),
    "kommun": ("kommun2025",),
    "country": ("country",),
    "lan": ("lan2025",),
}

#: Boundary version of the base areas that hold the counts (SCB's DeSO 2018).
BASE_VERSION: str = DEFAULT_VERSION["deso"]

#: The newer DeSO version that SCB's code rule links :data:`BASE_VERSION` to.
NEW_DESO_VERSION: str = "deso2025"

#: Default level of indices, follow-up, exports and reports (SCB's area types are per RegSO).
DEFAULT_LEVEL: str = "regso"

#: Variable of the population (weights splits, denominators of rates per resident).
POPULATION_VARIABLE: str = "pop_total"

# ------------------------------------------------------------------------------ methods

#: The method of SCB's socioeconomic area types (områdestyper): the default index.
AREA_TYPE_METHOD: str = "scb-omradestyp"
DEFAULT_METHOD: str = AREA_TYPE_METHOD

# ------------------------------------------------------------------------------ statistics

#: Confidence level of intervals and tests.
DEFAULT_CONFIDENCE: float = 0.95

#: Counts below this get the exact (Garwood) Poisson interval, Byar's above.
EXACT_INTERVAL_BELOW: float = 100.0

#: Monte-Carlo draws of an index's rank intervals and class probabilities (library default).
UNCERTAINTY_DRAWS: int = 1000

#: Monte-Carlo draws of the rank intervals on the pages of the picture: the web app's, the
#: report site's and the PDF's (fewer than the library's: one run per level and period). One
#: number for all, so that a page and a report of the same store state the same interval.
PAGE_UNCERTAINTY_DRAWS: int = 500

# ------------------------------------------------------------------------------ follow-up

#: Population share of an area inside a police polygon from which the area counts as listed.
POLICE_SHARE_THRESHOLD: float = 0.5

#: Where a police share rests on surface alone (no residents stored under the area), the
#: band ``(below, above)`` around the threshold in which the surface cannot say whether
#: most residents live inside: such an area is "cannot be decided", not "not listed". On
#: the Police's 2023 polygons, surface shares from 0.165 to 0.49 hid resident shares above
#: one half (Lövgärdet 0.16 of its surface, 0.61 of its residents); no surface share above
#: one half hid a resident share below it.
POLICE_SURFACE_BAND: tuple[float, float] = (0.35, 0.10)

#: A police polygon that no kommun polygon (nor DeSO polygon) meets lies in the nearest
#: kommun when that kommun is at most this many metres away and no other is as near: the
#: stored kommun boundaries are generalised at the coast. The Police's 2023 polygon of
#: Söder in Helsingborg (a risk area by the harbour) lies 203 m outside Helsingborg's
#: (1283) polygon; the next kommun, Landskrona, is 8 km away.
POLICE_KOMMUN_NEAREST_M: float = 1000.0

#: Classifications a city publishes on its own boundary layer, shown in the area profile
#: next to SCB's types: layer version -> (code attribute, name attribute, publisher, year).
CITY_CLASS_ATTRIBUTES: dict[str, tuple[str, str, str, str]] = {
    "goteborg_primaromraden2025": (
        "gbg_socioekonomisk_omr_kod",
        "gbg_socioekonomisk_omr_namn",
        "Göteborgs Stad",
        "2025",
    ),
}

# ------------------------------------------------------------------------------ crosswalks

#: Links below this share of the source area are dropped as slivers.
LAYER_MIN_SHARE: float = 1e-6

#: A source area is "fully covered" by a layer when its geometric coverage is at least this.
FULL_COVERAGE: float = 0.999

#: Source areas below this coverage lie "mostly outside" a layer.
LOW_COVERAGE: float = 0.5

# ------------------------------------------------------------------------------ publishing

#: Disclosure control: counts from 1 to this minus one are masked in published tables.
DISCLOSURE_THRESHOLD: int = 5

#: Decimals an indicator value (and its interval) is published with, by the catalogue's
#: unit: pages show and downloads round to these (an indicator may set its own ``decimals``
#: in the catalogue; see :mod:`omradesbild.precision`).
UNIT_DECIMALS: dict[str, int] = {
    "procent": 1,
    "per 1 000 invånare": 1,
    "tkr": 1,
    "kr": 0,
    "antal": 0,
}
#: Decimals of an indicator value whose unit is not in :data:`UNIT_DECIMALS`.
DEFAULT_DECIMALS: int = 1
#: Decimals of counts (numerators and denominators): whole numbers.
COUNT_DECIMALS: int = 0
#: Decimals of an index score (and theme scores) when the method does not fix its own
#: (a method's ``sum_digits``, or the digits its percentile ranks keep).
SCORE_DECIMALS: int = 2
#: Decimals of a probability (a share 0–1; 2 decimals is a whole per cent).
PROBABILITY_DECIMALS: int = 2
#: Decimals of a contribution to an index score.
CONTRIBUTION_DECIMALS: int = 2
#: Decimals of a p-value (a test's; the follow-up pages and the command line's tables).
P_VALUE_DECIMALS: int = 3
#: Decimals of a count goal's target, projection and its interval (a number of areas that
#: need not be whole: half of 3 areas, a trend line between counts); the counts themselves
#: are whole numbers (:data:`COUNT_DECIMALS`).
GOAL_COUNT_DECIMALS: int = 1

#: Reported offences: a year whose share of offences geocoded to a DeSO is below this is left
#: out of crime trends and indices by default (the Police geocoded to DeSO from 2020; the real
#: extracts have 88–99 % geocoded from 2020 and at most 17 % before).
CRIME_MIN_GEOCODED_SHARE: float = 0.8
#: A crime rate (a catalogue indicator of kind ``rate``) built on fewer offences than this is
#: unreliable (relative standard error of a Poisson count 1/sqrt(x): about 32 % at 10
#: events), whatever the population: on every page, download and command alike
#: (:func:`omradesbild.indicators.reliability.reliability`).
CRIME_MIN_EVENTS: int = 10

#: A national bulk ingest (hundreds of files) commits once the files written since the last
#: commit hold at least this many rows: whole files per transaction, few commits, and the
#: uncommitted rows DuckDB holds in memory stay bounded (about 110 bytes a row).
BULK_COMMIT_ROWS: int = 500_000

#: Consecutive parsed files of observations are written together (one statement per table
#: for all of them) until they hold this many rows: on small files the fixed cost of each
#: statement outweighs the rows it writes. The files are held in memory until written
#: (500 000 rows raised the 15-year national ingest's peak memory from 0.6 to 1.1 GB); the
#: 11 national SCB xlsx tables, 269 280 rows, make one batch.
INGEST_BATCH_ROWS: int = 300_000

#: DuckDB's worker threads while an ingest writes the store (None: DuckDB's default, one a
#: CPU). Its writes are bulk inserts and scans of the new rows, which a second thread speeds
#: up little and makes cost more CPU (waiting and handing over work): one thread wrote the
#: 11 national SCB xlsx tables in about a quarter less CPU time, and no slower.
INGEST_DUCKDB_THREADS: int | None = 1

#: Environment variable that sets how many processes parse files while an ingest writes the
#: store (a whole number, at least 1; 1 parses one file at a time in the writing process).
INGEST_WORKERS_ENV = "OMRADESBILD_INGEST_WORKERS"
#: Default number of parsing processes when neither the caller nor the environment gives
#: one: None, the number of CPUs the process may use.
INGEST_WORKERS: int | None = None
#: Without a number of parsing processes given (by the caller, the environment or
#: INGEST_WORKERS), files holding less than this many bytes in all are parsed in the writing
#: process: each worker process starts a new interpreter that imports pandas, pyarrow and
#: the readers (about 1 s of CPU), more than it saves on a few megabytes (the 11 national
#: SCB xlsx tables, 2.1 MB, parse in about 0.6 s of CPU; with two workers their ingest took
#: twice the time and twice the CPU).
INGEST_POOL_MIN_BYTES: int = 8_000_000

#: Environment variable that sets how many processes write the profile pages of
#: ``omradesbild report`` (a whole number, at least 1; 1 writes every page in the command's
#: process).
REPORT_WORKERS_ENV = "OMRADESBILD_REPORT_WORKERS"
#: Default number of processes writing the profile pages when neither the caller nor the
#: environment gives one: None, the number of CPUs the process may use, at most
#: REPORT_WORKERS_MAX.
REPORT_WORKERS: int | None = None
#: The most processes the default gives: each forked worker holds its own copy of what it
#: changes of the level it inherits (with two workers, the national RegSO command's memory,
#: the proportional set sizes of it and its workers summed, rose from 541-557 MB to
#: 621-682 MB), and the part of the command that is not the pages (reading the store and
#: computing the level, about a third of the national command in one process) stays one
#: process whatever the number.
REPORT_WORKERS_MAX: int = 4
#: Without a number of processes given (by the caller, the environment or REPORT_WORKERS),
#: sites of fewer profiles than this are written in the command's process: a page takes
#: about 4-6 ms of CPU, so a one-kommun report (Stockholm, 127 RegSO) writes its pages in
#: well under a second, and the workers' memory (tens of MB each) buys it nothing. Measured
#: with the national level loaded (its overview and the first page, written by the command's
#: process either way, included), two workers wrote the first 127, 250 and 500 RegSO pages
#: in 1.4, 2.5-3.8 and 4.2-4.4 s against 1.3-2.1, 2.6-3.1 and 4.3-4.5 s in one process
#: (load average about 4: no gain to be seen), and all 3 363 in 11.5 s against 21.2 s.
REPORT_POOL_MIN_PROFILES: int = 500
#: The profile codes are given to the workers in about this many chunks per worker: few
#: messages between the processes, and the workers finish close together (a chunk of the
#: national RegSO level is about 200 pages, under a second).
REPORT_CHUNKS_PER_WORKER: int = 8

#: Colours of area types 1 (largest challenges) … 5 on every map, legend and chart (web
#: start page, report site, PDF). Dark and light alternate (WCAG 2.1, 1.4.11, non-text
#: contrast ≥ 3:1): every colour has at least 3:1 against white (the background and the
#: white borders drawn between the areas on a map), and each type at least 3:1 against the
#: next type. Five colours cannot all be 3:1 apart and 3:1 from white, so the three dark
#: ones (1 red, 3 grey, 5 blue) are told apart by hue and lightness, and every swatch also
#: shows its number. Type 3, the middle, is a neutral grey as light as the contrast with
#: types 2 and 4 allows, so that it is not darker than types 1 and 5. Among the colours of
#: these families the palette maximises the smallest CIEDE2000 difference between any two
#: types, under normal vision and simulated deuteranopia and protanopia (Machado et al. 2009):
#:
#: ====  =======  ============  ============  ===========  =============
#: type  colour   vs white      vs next type  number text  number ratio
#: ====  =======  ============  ============  ===========  =============
#: 1     #870003  10.3:1        3.4:1         #ffffff      10.3:1
#: 2     #de7b33  3.0:1         3.0:1         #000000      7.0:1
#: 3     #484848  9.2:1         3.0:1         #ffffff      9.2:1
#: 4     #009ce7  3.0:1         3.8:1         #000000      6.9:1
#: 5     #21337b  11.5:1        –             #ffffff      11.5:1
#: ====  =======  ============  ============  ===========  =============
#:
#: Smallest ΔE2000 between two types: 23.8 (normal vision), 21.1 (deuteranopia), 18.9
#: (protanopia). The style sheet of the web app and the report site (``area-types.css``) is
#: written from these colours (:func:`omradesbild.reports.palette.area_type_css`).
AREA_TYPE_COLOURS: tuple[str, str, str, str, str] = (
    "#870003",
    "#de7b33",
    "#484848",
    "#009ce7",
    "#21337b",
)
#: Colour of the type number written on each colour of ``AREA_TYPE_COLOURS`` (at least
#: 4.5:1 against it).
AREA_TYPE_TEXT_COLOURS: tuple[str, str, str, str, str] = (
    "#ffffff",
    "#000000",
    "#ffffff",
    "#000000",
    "#ffffff",
)
