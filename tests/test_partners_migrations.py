"""Partners' database schema under Alembic: the first revision is today's schema exactly,
the chain of revisions ends at the models' schema, a new database made from the models
(``init_db``'s fast path) has exactly the chain's schema and migrates both ways, old databases
(``create_all``, no revision table) are stamped, upgrades are idempotent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("alembic")

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from conftest import postgres_test_engine
from omradesbild.errors import StoreError
from omradesbild.partners.db import (
    BASELINE_REVISION,
    BASELINE_TABLES,
    drop_db,
    init_db,
    make_engine,
    migration_config,
    schema_revision,
)
from omradesbild.partners.models import Base, Organisation, User

HEAD = ScriptDirectory.from_config(migration_config()).get_current_head()

_SQLITE_DDL = text(
    "SELECT type, name, tbl_name, sql FROM sqlite_master "
    "WHERE tbl_name != 'alembic_version' ORDER BY type, name"
)


def _sqlite(tmp_path: Path, name: str) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / name}")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of each kind (PostgreSQL when configured)."""
    engine = _sqlite(tmp_path, "p.sqlite") if request.param == "sqlite" else postgres_test_engine()
    yield engine
    if request.param == "postgresql":
        drop_db(engine)
    engine.dispose()


def _run_chain(engine: Engine, revision: str = "head") -> None:
    """Every migration up to ``revision`` (what ``init_db`` no longer does on an empty database)."""
    with engine.begin() as conn:
        command.upgrade(migration_config(conn), revision)


def _model_diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))


def test_revisions_form_one_chain_from_the_baseline() -> None:
    script = ScriptDirectory.from_config(migration_config())
    assert len(script.get_heads()) == 1
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain[-1] == BASELINE_REVISION
    assert script.get_revision(BASELINE_REVISION).down_revision is None  # type: ignore[union-attr]


def test_migrations_create_the_models_schema(empty: Engine) -> None:
    _run_chain(empty)
    assert schema_revision(empty) == HEAD
    assert set(inspect(empty).get_table_names()) >= BASELINE_TABLES
    assert _model_diff(empty) == []


def _sqlite_shape(engine: Engine) -> dict[str, object]:
    """Per table: columns, indexes, foreign keys, CHECK constraints and AUTOINCREMENT."""
    out: dict[str, object] = {}
    with engine.connect() as conn:
        rows = conn.execute(_SQLITE_DDL).all()
        for kind, name, table, sql in rows:
            if kind == "index":
                cols = conn.exec_driver_sql(f"PRAGMA index_info('{name}')").all()
                out[f"index {name}"] = (table, [c[2] for c in cols])
            elif kind == "table" and name != "sqlite_sequence":
                info = conn.exec_driver_sql(f"PRAGMA table_info('{name}')").all()
                fks = conn.exec_driver_sql(f"PRAGMA foreign_key_list('{name}')").all()
                checks = sorted(c["sqltext"] for c in inspect(conn).get_check_constraints(name))
                out[f"table {name}"] = (
                    sorted(info),
                    sorted((f[2], f[3], f[4], f[6]) for f in fks),
                    checks,
                    "AUTOINCREMENT" in sql,
                )
    return out


def test_first_revision_holds_the_tables_made_before_migrations(tmp_path: Path) -> None:
    migrated = _sqlite(tmp_path, "migrated.sqlite")
    with migrated.begin() as conn:
        command.upgrade(migration_config(conn), BASELINE_REVISION)
    assert set(inspect(migrated).get_table_names()) - {"alembic_version"} == BASELINE_TABLES


def test_head_revision_is_the_create_all_schema_on_sqlite(tmp_path: Path) -> None:
    """Columns, indexes, keys, CHECK constraints and AUTOINCREMENT as the models declare."""
    migrated = _sqlite(tmp_path, "migrated.sqlite")
    fresh = _sqlite(tmp_path, "fresh.sqlite")
    _run_chain(migrated)
    Base.metadata.create_all(fresh)
    assert _sqlite_shape(migrated) == _sqlite_shape(fresh)
    assert _sqlite_shape(fresh)["table submissions"][3] is True  # type: ignore[index]


def _inspected_shape(engine: Engine) -> dict[str, object]:
    """Per table as the database reports it (either kind): columns with type, null and
    default, primary key, foreign keys, indexes, unique and CHECK constraints, all with their
    names (a later migration finds a constraint or index by name); PostgreSQL's sequences."""
    out: dict[str, object] = {}
    with engine.connect() as conn:
        insp = inspect(conn)
        for name in sorted(set(insp.get_table_names()) - {"alembic_version"}):
            cols = insp.get_columns(name)
            out[name] = (
                # By name: where a column added by a revision sits in the table is no difference.
                sorted((c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in cols),
                insp.get_pk_constraint(name),
                *(sorted(map(repr, items)) for items in (
                    insp.get_foreign_keys(name), insp.get_indexes(name),
                    insp.get_unique_constraints(name), insp.get_check_constraints(name),
                )),
            )  # fmt: skip
        if conn.dialect.name == "postgresql":
            out["sequences"] = sorted(insp.get_sequence_names())
    return out


def test_a_new_database_is_made_from_the_models_with_the_schema_of_the_chain(
    empty: Engine,
) -> None:
    """``init_db`` on an empty database runs ``create_all`` and stamps head instead of every
    revision: that schema must be the one the chain gives (the later revisions are written
    for it), so this fails as soon as the models and the migrations part ways."""
    sqlite = empty.dialect.name == "sqlite"
    _run_chain(empty)
    chain = _inspected_shape(empty)
    chain_sqlite = _sqlite_shape(empty) if sqlite else None
    drop_db(empty)
    init_db(empty)
    assert schema_revision(empty) == HEAD
    assert _inspected_shape(empty) == chain
    assert _model_diff(empty) == []
    if sqlite:
        made = _sqlite_shape(empty)
        assert made == chain_sqlite
        # Ids are never handed out again (test_partners_durability): AUTOINCREMENT on every
        # table with an integer id.
        assert made["table submissions"][3] is True  # type: ignore[index]
        autoincrement = {t.name for t in Base.metadata.sorted_tables
                         if t.kwargs.get("sqlite_autoincrement")}  # fmt: skip
        assert len(autoincrement) >= 8
        assert all(made[f"table {t}"][3] for t in autoincrement)  # type: ignore[index]


def test_init_db_makes_an_empty_database_without_running_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrades: list[tuple[object, ...]] = []
    monkeypatch.setattr(command, "upgrade", lambda *args, **_kw: upgrades.append(args))
    engine = _sqlite(tmp_path, "new.sqlite")
    init_db(engine)
    assert upgrades == [], "an empty database was migrated revision by revision"
    assert schema_revision(engine) == HEAD
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}


def test_a_database_made_from_the_models_migrates_down_to_base_and_up_again(
    empty: Engine,
) -> None:
    init_db(empty)
    with empty.begin() as conn:
        command.downgrade(migration_config(conn), "base")
    assert set(inspect(empty).get_table_names()) & set(Base.metadata.tables) == set()
    assert schema_revision(empty) is None
    _run_chain(empty)
    assert schema_revision(empty) == HEAD
    assert _model_diff(empty) == []


def test_concurrent_starts_on_an_empty_database_make_it_once(empty: Engine) -> None:
    """Two starts at once: one creates the schema, the other waits (SQLite's write lock,
    PostgreSQL's advisory lock), then finds it at head and leaves it."""
    barrier = threading.Barrier(2)

    def start() -> None:
        barrier.wait()
        init_db(empty)

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(start) for _ in range(2)]:
            done.result()
    assert schema_revision(empty) == HEAD
    with empty.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    assert _model_diff(empty) == []


def test_database_made_before_migrations_is_stamped_and_keeps_its_rows(empty: Engine) -> None:
    # The tables create_all made before there were migrations (later tables came with them).
    Base.metadata.create_all(empty, tables=[Base.metadata.tables[t] for t in BASELINE_TABLES])
    with empty.begin() as conn:  # users.version came with revision 0005
        conn.execute(text("ALTER TABLE users DROP COLUMN version"))
    with Session(empty) as db, db.begin():
        db.add(Organisation(name="Stadsdel Väster", kind="city_district", synthetic=True))
    assert schema_revision(empty) is None
    init_db(empty)
    assert schema_revision(empty) == HEAD
    with Session(empty) as db:
        assert db.execute(select(Organisation.name)).scalars().all() == ["Stadsdel Väster"]
    assert _model_diff(empty) == []


def test_upgrade_is_idempotent_and_downgrade_round_trips(empty: Engine) -> None:
    _run_chain(empty)
    init_db(empty)
    init_db(empty)
    assert schema_revision(empty) == HEAD
    drop_db(empty)
    assert not BASELINE_TABLES & set(inspect(empty).get_table_names())
    assert "alembic_version" not in inspect(empty).get_table_names()
    _run_chain(empty)
    assert _model_diff(empty) == []


def test_users_of_a_0004_database_get_version_1_and_downgrade_drops_it(empty: Engine) -> None:
    with empty.begin() as conn:
        command.upgrade(migration_config(conn), "0004")
        conn.execute(text("INSERT INTO users (id, email, name, password_hash, role, active, "
                          "created_at) VALUES (5, 'a@b.se', 'A', 'x', 'reader', true, "
                          "'2026-01-01 00:00:00')"))  # fmt: skip
    init_db(empty)
    assert schema_revision(empty) == HEAD
    with Session(empty) as db:
        assert db.execute(select(User.id, User.version)).all() == [(5, 1)]
    assert _model_diff(empty) == []
    with empty.begin() as conn:
        command.downgrade(migration_config(conn), "0004")
    assert "version" not in {c["name"] for c in inspect(empty).get_columns("users")}
    with empty.connect() as conn:
        assert conn.execute(text("SELECT id, email FROM users")).all() == [(5, "a@b.se")]


def test_partial_database_without_revision_is_refused(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path, "partial.sqlite")
    Base.metadata.create_all(engine, tables=[Base.metadata.tables["organisations"]])
    with pytest.raises(StoreError, match=r"some of its tables \(organisations\)"):
        init_db(engine)
    # Nothing was written: still no revision table.
    assert "alembic_version" not in inspect(engine).get_table_names()


def test_migrations_ship_with_the_package() -> None:
    folder = Path(migration_config().get_main_option("script_location") or "")
    assert (folder / "env.py").is_file() and (folder / "script.py.mako").is_file()
    assert any(p.name.startswith(f"{BASELINE_REVISION}_") for p in (folder / "versions").iterdir())
