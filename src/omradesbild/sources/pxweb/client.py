"""A PX-Web API client (v1 and v2): discovery, metadata, chunked data requests."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import pandas as pd

from omradesbild.errors import FetchError
from omradesbild.sources.base import Closable, Observations, SourceMeta, now_utc
from omradesbild.sources.http import HttpClient
from omradesbild.sources.pxweb.catalogue import catalogue_map
from omradesbild.sources.pxweb.common import Selection, VariableMap, find_region_dimension
from omradesbild.sources.pxweb.csvformat import parse_pxweb_csv
from omradesbild.sources.pxweb.jsonstat import parse_jsonstat2
from omradesbild.sources.pxweb.plainjson import parse_pxweb_json
from omradesbild.sources.pxweb.px import parse_px
from omradesbild.sources.pxweb.query import (
    _as_list,
    _is_literal,
    plan_chunks,
    v1_query_body,
    v2_query_body,
    v2_query_params,
)
from omradesbild.wording import both

#: Base URL of SCB's PX-Web API v2.
SCB_V2_BASE = "https://statistikdatabasen.scb.se/api/v2"
#: Base URL of SCB's PX-Web API v1 (Swedish, database ``ssd``).
SCB_V1_BASE = "https://api.scb.se/OV0104/v1/doris/sv/ssd"
#: Largest number of data cells SCB returns in one v2 / v1 request.
SCB_V2_MAX_CELLS = 150_000
SCB_V1_MAX_CELLS = 100_000
#: Calls allowed per window of seconds: v2 about 30 per 10 s, v1 10 per 10 s (per IP).
SCB_V2_RATE_LIMIT: tuple[int, float] = (30, 10.0)
SCB_V1_RATE_LIMIT: tuple[int, float] = (10, 10.0)

#: Answer formats the client reads (``json`` is v1's plain JSON).
Format = Literal["json-stat2", "csv", "px", "json"]
FORMATS: tuple[str, ...] = ("json-stat2", "csv", "px", "json")


@dataclass(frozen=True)
class PxRequest:
    """One data request: method, URL, query parameters and JSON body."""

    method: Literal["GET", "POST"]
    url: str
    params: dict[str, str]
    body: dict[str, Any] | None


class PxWebClient(Closable):
    """Client of a PX-Web API (v1 or v2; SCB's or any PxWeb database's) with chunking,
    retries, rate limit and cache.

    Parameters
    ----------
    base_url
        API root, e.g. :data:`SCB_V2_BASE` or :data:`SCB_V1_BASE`.
    api_version
        1 or 2.
    cache_dir
        Response cache directory; ``None``: no cache.
    max_cells
        Cells per request before the selection is split; default 150 000 (v2) / 100 000 (v1).
    client
        An ``httpx.Client`` to send with (tests pass one with :class:`httpx.MockTransport`).
    sleep
        Sleep function used for backoff and rate limiting.
    max_retries
        Retries on 429/5xx/timeouts before :class:`FetchError`.
    lang
        Language of labels (``sv`` or ``en``); for v1 it is part of ``base_url``.
    rate_limit
        ``(calls, seconds)``; default :data:`SCB_V2_RATE_LIMIT` / :data:`SCB_V1_RATE_LIMIT`.
    use_get
        v2 only: send data queries as GET with ``valueCodes[…]`` instead of POST.
    clock
        Monotonic clock for the rate limiter.
    publisher
        Who publishes the database (``SCB``, ``Stockholms stad`` …), for the source.
    total_area
        The area of an answer whose region was eliminated; default Sweden for SCB, and
        required for other publishers' tables answered without a region.
    use_catalogue
        Name variables by the table catalogue (:mod:`omradesbild.sources.pxweb.catalogue`)
        when no ``variable_map`` is given: catalogued cells get the indicator catalogue's
        ids, others a readable id from the table and value texts.
    """

    def __init__(
        self,
        base_url: str = SCB_V2_BASE,
        *,
        api_version: Literal[1, 2] = 2,
        cache_dir: str | Path | None = None,
        max_cells: int | None = None,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 5,
        lang: str = "sv",
        rate_limit: tuple[int, float] | None = None,
        use_get: bool = False,
        clock: Callable[[], float] = time.monotonic,
        backoff_base: float = 1.0,
        publisher: str = "SCB",
        total_area: str | None = None,
        use_catalogue: bool = False,
    ) -> None:
        if api_version not in (1, 2):
            raise ValueError("api_version must be 1 or 2")
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.publisher = publisher
        self.use_catalogue = use_catalogue
        self.total_area = total_area
        self.lang = lang
        self.use_get = use_get
        self.max_cells = max_cells or (SCB_V2_MAX_CELLS if api_version == 2 else SCB_V1_MAX_CELLS)
        default_rate = SCB_V2_RATE_LIMIT if api_version == 2 else SCB_V1_RATE_LIMIT
        self.http = HttpClient(
            cache_dir=cache_dir,
            client=client,
            sleep=sleep,
            clock=clock,
            max_retries=max_retries,
            backoff_base=backoff_base,
            rate_limit=rate_limit or default_rate,
        )
        self._metadata: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        """Close the HTTP client (if created here)."""
        self.http.close()

    # -- URLs --------------------------------------------------------------------------------
    def table_url(self, table_id: str) -> str:
        """URL of a table: v2 ``{base}/tables/{id}``, v1 ``{base}/{path}``."""
        tid = table_id.strip("/")
        if self.api_version == 2:
            return f"{self.base_url}/tables/{tid}"
        return f"{self.base_url}/{tid}"

    # -- discovery ---------------------------------------------------------------------------
    def list_tables(
        self, query: str, *, page_size: int = 100, max_pages: int = 10
    ) -> list[dict[str, Any]]:
        """Tables whose text matches ``query``.

        v2: ``GET /tables?query=…&lang=…`` (paged; follows pages up to ``max_pages``), each
        item as SCB gives it (``id``, ``label``, ``firstPeriod``, ``lastPeriod``, …).
        v1: ``GET {base}?query=…&filter=*``, items with ``id``, ``path``, ``title``.
        """
        if self.api_version == 1:
            resp = self.http.get(self.base_url, params={"query": query, "filter": "*"})
            found = resp.json()
            if not isinstance(found, list):
                raise FetchError(both("err_src_expected_tables", url=str(resp.url)))
            return [dict(t) for t in found]
        tables: list[dict[str, Any]] = []
        for page in range(1, max_pages + 1):
            resp = self.http.get(
                f"{self.base_url}/tables",
                params={
                    "lang": self.lang,
                    "query": query,
                    "pageSize": page_size,
                    "pageNumber": page,
                },
            )
            payload = resp.json()
            if not isinstance(payload, Mapping):
                raise FetchError(both("err_src_expected_tables_object", url=str(resp.url)))
            tables.extend(dict(t) for t in payload.get("tables", []))
            total_pages = int((payload.get("page") or {}).get("totalPages") or 1)
            if page >= total_pages:
                break
        return tables

    def metadata(self, table_id: str) -> dict[str, Any]:
        """The table's metadata: v2 JSON-stat2 (``/metadata``), v1 ``{"title", "variables"}``."""
        if table_id not in self._metadata:
            if self.api_version == 2:
                resp = self.http.get(
                    f"{self.table_url(table_id)}/metadata", params={"lang": self.lang}
                )
            else:
                resp = self.http.get(self.table_url(table_id))
            meta = resp.json()
            if not isinstance(meta, dict):
                raise FetchError(both("err_src_expected_metadata", url=str(resp.url)))
            self._metadata[table_id] = meta
        return self._metadata[table_id]

    def variables(self, table_id: str) -> dict[str, list[str]]:
        """Every value code per variable of the table, in the table's order."""
        return metadata_values(self.metadata(table_id))

    def _eliminated_total(self, table_id: str, selection: Selection) -> str | None:
        """The area a query without the region stands for, if the metadata names it.

        Only asked when the selection leaves the region out and the publisher is not SCB
        (whose total is Sweden): then the table's metadata is read once.
        """
        if self.api_version != 2:
            return None
        asked = {k: _as_list(v) for k, v in selection.items()}
        if find_region_dimension(list(asked), asked) is not None:
            return None  # the region is in the query
        values = self.variables(table_id)
        region = find_region_dimension(list(values), values)
        if region is None or region in selection:
            return None
        return elimination_code(self.metadata(table_id), region)

    # -- data --------------------------------------------------------------------------------
    def build_request(
        self, table_id: str, selection: Selection, fmt: str = "json-stat2"
    ) -> PxRequest:
        """The request for one (already small enough) selection."""
        if fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}")
        if fmt == "json" and self.api_version == 2:
            raise ValueError("the plain 'json' format is PX-Web API v1's; use json-stat2 with v2")
        if self.api_version == 1:
            return PxRequest(
                "POST", self.table_url(table_id), {}, v1_query_body(selection, fmt=fmt)
            )
        url = f"{self.table_url(table_id)}/data"
        if self.use_get:
            return PxRequest("GET", url, v2_query_params(selection, fmt=fmt, lang=self.lang), None)
        params = {"lang": self.lang, "outputFormat": fmt}
        if fmt == "csv":
            params["outputFormatParams"] = "UseCodes"
        return PxRequest("POST", url, params, v2_query_body(selection))

    def plan(
        self, table_id: str, selection: Selection
    ) -> list[dict[str, list[str] | Literal["*"]]]:
        """The sub-selections :meth:`fetch` will request (metadata is read only if needed)."""
        needs_meta = any(
            not all(_is_literal(v) for v in _as_list(vals)) for vals in selection.values()
        )
        all_values = self.variables(table_id) if needs_meta else None
        return plan_chunks(selection, self.max_cells, all_values=all_values)

    def fetch(
        self,
        table_id: str,
        selection: Selection,
        fmt: Format = "json-stat2",
        *,
        variable_map: VariableMap | None = None,
        area_version: str | None = None,
        unmapped: Literal["slug", "drop", "error"] = "slug",
        total_area: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Observations:
        """Fetch a selection as observations, splitting it over the cell limit.

        Parameters
        ----------
        table_id
            v2 table id (e.g. ``"TAB5444"``) or v1 table path (``"BE/BE0101/BE0101Y/…"``).
        selection
            Variable code -> value codes or ``"*"``.
        fmt
            ``"json-stat2"`` (recommended), ``"csv"``, ``"px"`` or (v1 only) ``"json"``.
        variable_map, area_version, unmapped, total_area
            Passed to the parser, see :func:`parse_jsonstat2`; ``total_area`` defaults to
            the client's.
        progress
            Called with ``(requests done, requests in all)`` after each request.

        Raises
        ------
        FetchError
            When a request fails after its retries (the message names URL and HTTP status).
        InputError
            When a response cannot be parsed (names the URL and the field).
        """
        chunks = self.plan(table_id, selection)
        total_area = total_area or self.total_area
        if total_area is None and self.publisher != "SCB":
            total_area = self._eliminated_total(table_id, selection)
        if variable_map is None and self.use_catalogue:
            variable_map = catalogue_map(table_id)
        parts: list[Observations] = []
        for chunk in chunks:
            req = self.build_request(table_id, chunk, fmt)
            if req.method == "GET":
                resp = self.http.get(req.url, params=req.params)
            else:
                resp = self.http.post(req.url, params=req.params, json_body=req.body)
            common: dict[str, Any] = {
                "reference": resp.url,
                "variable_map": variable_map,
                "area_version": area_version,
                "unmapped": unmapped,
                "retrieved_at": resp.retrieved_at,
                "total_area": total_area,
            }
            if fmt == "json-stat2":
                obs = parse_jsonstat2(
                    resp.content, table_id=table_id, publisher=self.publisher, **common
                )
            elif fmt == "json":
                obs = parse_pxweb_json(
                    resp.content, table_id=table_id, publisher=self.publisher, **common
                )
            elif fmt == "px":
                obs = parse_px(resp.content, table_id=table_id, lang=self.lang, **common)
            else:
                del common["total_area"]
                obs = parse_pxweb_csv(
                    resp.content,
                    table_id=table_id,
                    dimensions=list(chunk),
                    publisher=self.publisher,
                    **common,
                )
            parts.append(obs)
            if progress is not None:
                progress(len(parts), len(chunks))
        return _merge(parts, table_id=table_id, reference=self.table_url(table_id))


def elimination_code(meta: Mapping[str, Any], dimension: str) -> str | None:
    """The value code v2 metadata names as a dimension's total when it is eliminated.

    PxWebApi 2 writes it in the dimension's ``extension`` (``eliminationValueCode``).
    """
    dims = meta.get("dimension")
    if not isinstance(dims, Mapping) or not isinstance(dims.get(dimension), Mapping):
        return None
    ext = dims[dimension].get("extension")
    code = ext.get("eliminationValueCode") if isinstance(ext, Mapping) else None
    return str(code) if code else None


def metadata_values(meta: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every value code per variable from v2 (JSON-stat2) or v1 (``variables``) metadata."""
    if "dimension" in meta:
        ids = meta.get("id") or list(meta["dimension"])
        out: dict[str, list[str]] = {}
        for d in ids:
            dim = meta["dimension"][d]
            index = dim.get("category", {}).get("index", {})
            if isinstance(index, list):
                out[d] = [str(c) for c in index]
            else:
                out[d] = [str(c) for c, _ in sorted(index.items(), key=lambda kv: int(kv[1]))]
        return out
    if "variables" in meta:
        return {str(v["code"]): [str(x) for x in v.get("values", [])] for v in meta["variables"]}
    raise FetchError(both("err_src_metadata_shape"))


def _merge(parts: list[Observations], *, table_id: str, reference: str) -> Observations:
    if len(parts) == 1:
        return parts[0]
    data = pd.concat([p.data for p in parts], ignore_index=True)
    variables = (
        pd.concat([p.variables for p in parts], ignore_index=True)
        .drop_duplicates(subset=["variable"])
        .reset_index(drop=True)
    )
    checksum = hashlib.sha256("".join(p.source.checksum for p in parts).encode()).hexdigest()
    first = parts[0].source
    source = SourceMeta(
        publisher=first.publisher,
        table_id=table_id,
        title=first.title,
        reference=reference,
        checksum=checksum,
        licence=first.licence,
        retrieved_at=max((p.source.retrieved_at or now_utc()) for p in parts),
        notes=f"{len(parts)} requests (selection split over the cell limit)",
    )
    return Observations(source=source, data=data, variables=variables)
