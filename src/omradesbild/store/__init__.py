"""The embedded DuckDB store: areas, links, classifications and observations with revisions."""

from omradesbild.store.store import DB_ENV, DEFAULT_DB, IngestReport, Store, default_db_path

__all__ = ["DB_ENV", "DEFAULT_DB", "IngestReport", "Store", "default_db_path"]
