"""``omradesbild fetch scb …`` and ``fetch pxweb``: live clients for SCB's PX-Web API, any
PxWeb database (a city's or a region's) and SCB's geodata WFS.

Responses are cached on disk (``--cache-dir`` or ``$OMRADESBILD_CACHE``, default
``~/.cache/omradesbild``), so repeating a fetch sends nothing. Requests over SCB's cell limit
are split; failures are retried with backoff and end in one clear error naming the URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from omradesbild._compat import import_optional_dependency
from omradesbild.cli.common import DbOption, command_group, echo_table, grouped, open_store
from omradesbild.cli.progress import Quiet, progress
from omradesbild.config import NEW_DESO_VERSION
from omradesbild.errors import ConfigError
from omradesbild.wording import both

if TYPE_CHECKING:
    import httpx

    from omradesbild.sources.base import Areas, Observations
    from omradesbild.sources.pxweb import PxWebClient

app = command_group(
    "Fetch data from live services (any PxWeb database, SCB's PX-Web API and geodata WFS)."
)
scb = command_group(
    "SCB: statistics from the PX-Web API (v2 or v1) and DeSO/RegSO boundaries from WFS."
)
app.add_typer(scb, name="scb")

CACHE_ENV = "OMRADESBILD_CACHE"

CacheOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        envvar=CACHE_ENV,
        help="HTTP cache folder (default ~/.cache/omradesbild, or $OMRADESBILD_CACHE).",
        show_default=False,
    ),
]

AreaVersionOption = Annotated[
    str | None,
    typer.Option(help="Boundary version when region codes carry no suffix, e.g. deso2025."),
]
ScbApiOption = Annotated[int, typer.Option(help="PX-Web API version: 2 (default) or 1.")]
OutOption = Annotated[Path | None, typer.Option(help="Also write the observations as CSV.")]
IngestOption = Annotated[bool, typer.Option(help="Write the result into the store.")]
DryRunOption = Annotated[bool, typer.Option(help="Only show the requests that would be sent.")]
FormatOption = Annotated[
    str, typer.Option("--format", help="json-stat2 (default, recommended), csv, px or (v1) json.")
]


@dataclass(frozen=True)
class Delivery:
    """Where a fetched table goes (CSV and/or the store) and how it is fetched: the last
    options of ``fetch scb table`` and ``fetch pxweb``."""

    out: OutOption = None
    ingest: IngestOption = False
    dry_run: DryRunOption = False
    cache_dir: CacheOption = None
    db: DbOption = None
    quiet: Quiet = False


def _cache(cache_dir: Path | None) -> Path:
    from omradesbild.config import user_cache_folder

    return cache_dir or user_cache_folder()


def parse_selection(items: list[str]) -> dict[str, list[str] | Literal["*"]]:
    """``["Region=0180*,0114A0010", "Tid=2023"]`` -> ``{"Region": [...], "Tid": ["2023"]}``."""
    out: dict[str, list[str] | Literal["*"]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            raise ConfigError(both("err_svc_select_form", item=repr(item)))
        vals = [v.strip() for v in values.split(",") if v.strip()]
        out[name.strip()] = "*" if vals == ["*"] else vals
    return out


def _store_result(parsed: Observations | Areas, db: Path | None) -> None:
    from omradesbild.store.ingest import describe, ingest_parsed

    with open_store(db) as store:
        for r in ingest_parsed(store, [parsed], kind="fetch"):
            typer.echo(describe(r))


@scb.command("tables")
def tables(
    query: Annotated[str, typer.Argument(help="Search words, e.g. 'DeSO folkmängd'.")],
    api: ScbApiOption = 2,
    cache_dir: CacheOption = None,
) -> None:
    """Search SCB's tables by words and list their ids and titles."""
    import pandas as pd

    with _client(api, cache_dir) as client:
        found = client.list_tables(query)
    echo_table(pd.DataFrame(found))


def _client(api: int, cache_dir: Path | None) -> PxWebClient:
    import_optional_dependency("httpx", purpose="omradesbild fetch")
    from omradesbild.sources.pxweb import SCB_V1_BASE, SCB_V2_BASE, PxWebClient

    if api not in (1, 2):
        raise ConfigError(both("err_svc_api_choice", api=api))
    base = SCB_V2_BASE if api == 2 else SCB_V1_BASE
    return PxWebClient(
        base, api_version=2 if api == 2 else 1, cache_dir=_cache(cache_dir), use_catalogue=True
    )


@scb.command("table")
@grouped("delivery", Delivery)
def table(
    table_id: Annotated[
        str,
        typer.Argument(help="v2 table id (e.g. TAB5974) or v1 path (e.g. BE/BE0101/…/Tabell)."),
    ],
    select: Annotated[
        list[str],
        typer.Option(
            "--select",
            "-s",
            help="VARIABLE=VALUE[,VALUE…]; repeat per variable. '*' = all values, "
            "'0180*' = values starting 0180.",
        ),
    ],
    api: ScbApiOption = 2,
    fmt: FormatOption = "json-stat2",
    area_version: AreaVersionOption = None,
    *,
    delivery: Delivery,
) -> None:
    """Fetch a table from SCB's PX-Web API into long-form observations."""
    with _client(api, delivery.cache_dir) as client:
        _fetch_table(client, table_id, select, fmt, area_version, None, delivery)


def _fetch_table(
    client: PxWebClient,
    table_id: str,
    select: list[str],
    fmt: str,
    area_version: str | None,
    total_area: str | None,
    delivery: Delivery,
) -> None:
    """Plan, fetch and report one table; write it as CSV and/or into the store.

    On a terminal (and without ``--quiet``) a bar on stderr counts the requests.
    """
    from omradesbild.sources.pxweb import FORMATS

    if fmt not in FORMATS:
        raise ConfigError(
            both("err_svc_format_choice", format=repr(fmt), formats=", ".join(FORMATS))
        )
    if fmt == "json" and client.api_version == 2:
        raise ConfigError(both("err_svc_json_v1_only"))
    selection = parse_selection(select)
    if delivery.dry_run:
        for chunk in client.plan(table_id, selection):
            req = client.build_request(table_id, chunk, fmt)
            body = json.dumps(req.body, ensure_ascii=False) if req.body else ""
            typer.echo(f"{req.method} {req.url} {req.params or ''} {body}".strip())
        return
    with progress(f"fetch {table_id}", quiet=delivery.quiet) as tick:
        obs = client.fetch(
            table_id,
            selection,
            fmt,  # type: ignore[arg-type]
            area_version=area_version,
            total_area=total_area,
            progress=tick,
        )
    typer.echo(
        both(
            "cli_fetched",
            reference=obs.source.reference,
            n=len(obs.data),
            variables=obs.data["variable"].nunique(),
            areas=obs.data["area_code"].nunique(),
        )
    )
    if delivery.out:
        obs.data.to_csv(delivery.out, index=False)
        typer.echo(both("cli_written_to", path=delivery.out))
    if delivery.ingest:
        _store_result(obs, delivery.db)


@scb.command("boundaries")
def boundaries(
    version: Annotated[
        str, typer.Option(help="deso2018, deso2025, regso2020 or regso2025.")
    ] = NEW_DESO_VERSION,
    kommun: Annotated[
        str | None, typer.Option(help="Only this kommun (4 digits), e.g. 1480.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write the boundaries as a GeoPackage.")
    ] = None,
    ingest: IngestOption = False,
    cache_dir: CacheOption = None,
    db: DbOption = None,
) -> None:
    """Fetch DeSO/RegSO boundaries from SCB's geodata WFS (EPSG:3006)."""
    import_optional_dependency("httpx", purpose="omradesbild fetch")
    from omradesbild.sources.wfs import fetch_deso_boundaries

    areas = fetch_deso_boundaries(version, kommun=kommun, cache_dir=_cache(cache_dir))  # type: ignore[arg-type]
    typer.echo(
        both(
            "cli_fetched_areas",
            reference=areas.source.reference,
            n=len(areas.areas),
            version=version,
        )
    )
    if out:
        import geopandas as gpd
        import shapely

        gdf = gpd.GeoDataFrame(
            areas.areas.drop(columns=["geometry"]),
            geometry=shapely.from_wkb(areas.areas["geometry"].tolist()),
            crs="EPSG:3006",
        )
        gdf.to_file(out, driver="GPKG")
        typer.echo(both("cli_written_to", path=out))
    if ingest:
        _store_result(areas, db)


def _pxweb_client(
    base_url: str,
    *,
    api: int | None,
    cache_dir: Path | None,
    publisher: str | None,
    total_area: str | None,
    lang: str,
    client: httpx.Client | None = None,
) -> PxWebClient:
    from urllib.parse import urlparse

    from omradesbild.sources.pxweb import SCB_V1_RATE_LIMIT, PxWebClient

    version = api or (2 if "/v2" in base_url.rstrip("/").lower() else 1)
    if version not in (1, 2):
        raise ConfigError(both("err_svc_api_choice", api=api))
    host = urlparse(base_url).hostname or ""
    if not host:
        raise ConfigError(both("err_svc_base_url", url=repr(base_url)))
    return PxWebClient(
        base_url,
        api_version=2 if version == 2 else 1,
        cache_dir=_cache(cache_dir),
        lang=lang,
        rate_limit=SCB_V1_RATE_LIMIT,
        publisher=publisher or ("SCB" if host.endswith("scb.se") else host),
        total_area=total_area,
        client=client,
        use_catalogue=True,
    )


@app.command("pxweb")
@grouped("delivery", Delivery)
def pxweb(
    table_path: Annotated[
        str,
        typer.Argument(
            help="Table: v1 path below the base URL (e.g. Befolkning/Folkmangd/Tabell.px) "
            "or v2 table id."
        ),
    ],
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            help="API root of the PxWeb database, e.g. https://<host>/api/v1/sv/<database> "
            "or https://<host>/api/v2.",
        ),
    ],
    select: Annotated[
        list[str],
        typer.Option(
            "--select", "-s", help="VARIABLE=VALUE[,VALUE…]; repeat per variable; '*' = all."
        ),
    ],
    api: Annotated[
        int | None,
        typer.Option(help="PX-Web API version 1 or 2 (default: 2 if the URL has /v2, else 1)."),
    ] = None,
    fmt: FormatOption = "json-stat2",
    publisher: Annotated[
        str | None,
        typer.Option(help="Who publishes the database (default: the URL's host name)."),
    ] = None,
    total_area: Annotated[
        str | None,
        typer.Option(
            help="Area of an answer whose region was eliminated, e.g. 0180 for the city "
            "total (default: Sweden for SCB; required for other databases)."
        ),
    ] = None,
    area_version: AreaVersionOption = None,
    lang: Annotated[str, typer.Option(help="Language of labels (v2).")] = "sv",
    *,
    delivery: Delivery,
) -> None:
    """Fetch a table from any PxWeb database (a city's, a region's or SCB's), API v1 or v2."""
    client = _pxweb_client(
        base_url,
        api=api,
        cache_dir=delivery.cache_dir,
        publisher=publisher,
        total_area=total_area,
        lang=lang,
    )
    with client:
        _fetch_table(client, table_path, select, fmt, area_version, total_area, delivery)
