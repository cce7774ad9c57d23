"""Exports: indicators and indices as Excel, CSV, JSON and GeoPackage, with provenance.

Every exporter passes the indicator rows through
:func:`~omradesbild.reports.disclosure.apply_disclosure` before anything is written, and
writes the disclosure rule, the sources, the method versions, the time of generation and the
package version beside the figures.

- :func:`export_excel` — one sheet per catalogue domain (areas × indicators with value, 95 %
  interval and reliability flag), an index sheet, and a sheet "Källor och metod"
  ("Sources and method");
- :func:`export_csv` — the long, tidy indicator table;
- :func:`export_json` — the same rows as records, with a ``metadata`` block;
- :func:`export_geopackage` — one layer ``omradesbild``: area geometry (EPSG:3006) and one
  column per indicator;
- :func:`export_all` — all of them for one level and period, read from a store;
- :func:`notes_in_lang` — the rows' ``note`` column in a language (the CSV and JSON
  exports and the web app's downloads).

The package holds one module per concern: :mod:`.tables` (wide table, publishable index,
metadata), :mod:`.excel`, :mod:`.files` (CSV and JSON), :mod:`.gpkg` and :mod:`.bundle`.
"""

from typing import TYPE_CHECKING

from omradesbild._lazy import lazy_getattr

if TYPE_CHECKING:
    from omradesbild.reports.exports._common import (
        FORMATS,
        GPKG_LAYER,
        WIDE_FIELDS,
        ExportSettings,
        notes_in_lang,
    )
    from omradesbild.reports.exports.bundle import export_all
    from omradesbild.reports.exports.excel import export_excel
    from omradesbild.reports.exports.files import export_csv, export_json
    from omradesbild.reports.exports.gpkg import export_geopackage
    from omradesbild.reports.exports.tables import export_metadata, publishable_index, to_wide

#: Where each public name lives. The modules load on first use (PEP 562): the report's
#: index, which needs only :func:`publishable_index`, does not load the Excel, GeoPackage
#: and bundle writers.
_SUBMODULES = {
    "_common": ("FORMATS", "GPKG_LAYER", "WIDE_FIELDS", "ExportSettings", "notes_in_lang"),
    "bundle": ("export_all",),
    "excel": ("export_excel",),
    "files": ("export_csv", "export_json"),
    "gpkg": ("export_geopackage",),
    "tables": ("export_metadata", "publishable_index", "to_wide"),
}


__getattr__ = lazy_getattr(__name__, _SUBMODULES, globals())


__all__ = [
    "FORMATS",
    "GPKG_LAYER",
    "WIDE_FIELDS",
    "ExportSettings",
    "export_all",
    "export_csv",
    "export_excel",
    "export_geopackage",
    "export_json",
    "export_metadata",
    "notes_in_lang",
    "publishable_index",
    "to_wide",
]
