"""SCB's PX-Web API (Statistikdatabasen): a live client and pure parsers.

Two API generations are supported:

* **v2** (``https://statistikdatabasen.scb.se/api/v2``): ``/tables?query=…``,
  ``/tables/{id}/metadata`` (JSON-stat2) and ``/tables/{id}/data`` (GET with
  ``valueCodes[Var]=a,b`` or POST with ``{"selection": [{"variableCode", "valueCodes"}]}``),
  output ``json-stat2`` (default) or ``csv``.
* **v1** (``https://api.scb.se/OV0104/v1/doris/sv/ssd``): GET a table path for its metadata,
  POST ``{"query": [{"code", "selection": {"filter", "values"}}], "response": {"format"}}``
  for data.

The parsers turn a response into :class:`~omradesbild.sources.base.Observations` in long
form: the region dimension gives ``area_code`` (a suffix such as ``_DeSO2018`` or
``_RegSO2025`` is stripped and gives ``area_version``), the time dimension gives ``period``,
and every other dimension (``ContentsCode``, sex, age …) is combined into the ``variable``
id. SCB's missing-value markers (``..``, ``.``, ``-``, JSON-stat ``status``) become NaN with
a ``missing_reason``, never zero.
"""

from typing import TYPE_CHECKING, Any

from omradesbild.sources.pxweb.common import (
    Selection,
    VariableMap,
    normalize_period,
    slugify,
    split_region_code,
)
from omradesbild.sources.pxweb.csvformat import parse_pxweb_csv
from omradesbild.sources.pxweb.jsonstat import parse_jsonstat2
from omradesbild.sources.pxweb.plainjson import parse_pxweb_json
from omradesbild.sources.pxweb.px import parse_px, read_px
from omradesbild.sources.pxweb.query import (
    plan_chunks,
    v1_query_body,
    v2_query_body,
    v2_query_params,
)

if TYPE_CHECKING:
    from omradesbild.sources.pxweb.client import (
        FORMATS,
        SCB_V1_BASE,
        SCB_V1_MAX_CELLS,
        SCB_V1_RATE_LIMIT,
        SCB_V2_BASE,
        SCB_V2_MAX_CELLS,
        SCB_V2_RATE_LIMIT,
        PxRequest,
        PxWebClient,
        metadata_values,
    )


# The live client needs the fetch extra (httpx …); the parsers do not. Its names load on
# first use, so that reading saved answers works with the base install: a name of __all__
# that reaches __getattr__ is not imported above, so it is one of the client's.
def __getattr__(name: str) -> Any:
    if name in __all__:
        from omradesbild.sources.pxweb import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "SCB_V1_BASE",
    "SCB_V1_MAX_CELLS",
    "SCB_V1_RATE_LIMIT",
    "SCB_V2_BASE",
    "SCB_V2_MAX_CELLS",
    "SCB_V2_RATE_LIMIT",
    "PxRequest",
    "PxWebClient",
    "Selection",
    "VariableMap",
    "metadata_values",
    "normalize_period",
    "parse_jsonstat2",
    "parse_px",
    "parse_pxweb_csv",
    "parse_pxweb_json",
    "plan_chunks",
    "read_px",
    "slugify",
    "split_region_code",
    "v1_query_body",
    "v2_query_body",
    "v2_query_params",
]
