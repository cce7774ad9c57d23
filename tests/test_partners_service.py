"""Partners' service: authorization matrix, versions and audit, limits, concurrent writers."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from conftest import postgres_test_engine
from omradesbild.errors import ConfigError, InputError, NotFoundError
from omradesbild.partners import service
from omradesbild.partners.db import drop_db, init_db, make_engine, session_factory
from omradesbild.partners.errors import ConflictError, NotAuthenticated, PermissionDenied
from omradesbild.partners.models import AuditEntry, Submission, SubmissionVersion
from omradesbild.partners.service import Actor
from partners_live import copy_sqlite, migrated_sqlite


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated database, made once (``init_db`` itself: test_engine_urls)."""
    return migrated_sqlite(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def factory(migrated: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A database of the test's own: a copy of the migrated one."""
    engine = make_engine(copy_sqlite(migrated, tmp_path))
    yield session_factory(engine)
    engine.dispose()


def _pg_engine() -> Engine:
    engine: Engine = postgres_test_engine()
    init_db(engine)
    return engine


@pytest.fixture
def pg_factory() -> Iterator[sessionmaker[Session]]:
    engine = _pg_engine()
    yield session_factory(engine)
    drop_db(engine)
    engine.dispose()


def _people(db: Session) -> dict[str, Actor]:
    """An admin, an analyst, two contributors and a reader."""
    admin_info = service.bootstrap_admin(
        db, email="admin@x.se", name="Admin", password="admin-password"
    )
    admin = Actor(admin_info["id"], service.Role.ADMIN, "Admin")
    org = service.create_organisation(db, admin, name="Polisen", kind="police")
    out = {"admin": admin}
    for key, role in [
        ("analyst", "analyst"),
        ("c1", "contributor"),
        ("c2", "contributor"),
        ("reader", "reader"),
    ]:
        info = service.create_user(
            db,
            admin,
            email=f"{key}@x.se",
            name=key,
            password=f"{key}-password-1",
            role=role,
            organisation_id=org["id"],
        )
        out[key] = Actor(info["id"], service.Role(role), key, org["id"])
    return out


def _submit(db: Session, who: Actor | None, area_codes: object, **kw: object) -> dict[str, Any]:
    """``create_submission`` with kind ``observation``, title ``t`` and body ``b`` by default."""
    fields: dict[str, Any] = {"kind": "observation", "title": "t", "body": "b", **kw}
    return service.create_submission(db, who, area_codes=area_codes, **fields)


def _make(
    db: Session,
    who: Actor,
    vis: str,
    *,
    approve_by: Actor | None = None,
    submit: bool = True,
    title: str = "t",
) -> int:
    sid = int(
        service.create_submission(
            db,
            who,
            kind="observation",
            title=f"{title} {vis}",
            body="text",
            area_codes=["0180R001"],
            visibility=vis,
            submit=submit,
        )["id"]
    )
    if approve_by is not None:
        service.moderate_submission(db, approve_by, sid, decision="approve")
    return sid


def test_visibility_matrix(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        p = _people(db)
        ids = {}
        for vis in ("public", "internal", "restricted"):
            ids[f"approved_{vis}"] = _make(db, p["c1"], vis, approve_by=p["analyst"])
        ids["submitted_public"] = _make(db, p["c1"], "public")
        ids["draft_public"] = _make(db, p["c1"], "public", submit=False)
        ids["c2_draft"] = _make(db, p["c2"], "internal", submit=False)
    expected = {
        None: {"approved_public"},
        "reader": {"approved_public", "approved_internal"},
        "c2": {"approved_public", "approved_internal", "c2_draft"},
        "c1": {
            "approved_public",
            "approved_internal",
            "approved_restricted",
            "submitted_public",
            "draft_public",
        },
        "analyst": {
            "approved_public",
            "approved_internal",
            "approved_restricted",
            "submitted_public",
        },
        "admin": set(ids),
    }
    with factory() as db:
        for who, want in expected.items():
            actor = p[who] if who else None
            seen = {s["id"] for s in service.list_submissions(db, actor)}
            assert seen == {ids[k] for k in want}, who
            assert service.count_submissions(db, actor) == len(want)
            for key, sid in ids.items():
                if key in want:
                    assert service.get_submission(db, actor, sid)["id"] == sid
                else:  # hidden content is reported as not found
                    with pytest.raises(NotFoundError):
                        service.get_submission(db, actor, sid)
        # SQL filter and Python check agree on every (actor, submission).
        for who, sub in itertools.product(expected, db.execute(select(Submission)).scalars()):
            actor = p[who] if who else None
            listed = sub.id in {s["id"] for s in service.list_submissions(db, actor)}
            assert service.can_view(actor, sub) == listed
        anon = service.get_submission(db, None, ids["approved_public"])
        assert anon["author"] is None and "author_id" not in anon


def _list_is_get(db: Session) -> None:
    """Every listed item equals :func:`service.get_submission` of it, for every viewer, with
    the filters; and a filtered list is the full list filtered."""
    p = _people(db)
    for vis in ("public", "internal", "restricted"):
        _make(db, p["c1"], vis, approve_by=p["analyst"])
        _make(db, p["c2"], vis)
        _make(db, p["c1"], vis, submit=False)
    _submit(db, p["c2"], ["0180R002", "0180R001"], visibility="public", theme="trygghet")
    for who in (None, *p.values()):
        listed = service.list_submissions(db, who, limit=1000)
        assert listed, who
        assert listed == [service.get_submission(db, who, int(r["id"])) for r in listed]
        newest_first = [(r["updated_at"], r["id"]) for r in listed]
        assert newest_first == sorted(newest_first, reverse=True)
        for key, value in (("area_code", "0180R002"), ("status", "approved"),
                           ("theme", "trygghet"), ("kind", "observation")):  # fmt: skip
            field = "area_codes" if key == "area_code" else key
            want = [r for r in listed if value == r[field] or value in (r[field] or [])]
            assert service.list_submissions(db, who, limit=1000, **{key: value}) == want
        page = service.list_submissions(db, who, limit=2, offset=1)
        assert page == listed[1:3]


def test_list_is_get_for_every_viewer(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        _list_is_get(db)


def test_list_is_get_for_every_viewer_postgres(pg_factory: sessionmaker[Session]) -> None:
    with pg_factory.begin() as db:
        _list_is_get(db)


def test_roles_that_may_not_act(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        p = _people(db)
        own = _make(db, p["c1"], "public", approve_by=p["analyst"])
        pending = _make(db, p["c1"], "internal")
        mine = _make(db, p["analyst"], "internal")
    with factory() as db:
        with pytest.raises(NotAuthenticated):
            service.create_submission(
                db, None, kind="observation", title="x", body="y", area_codes=["A"]
            )
        with pytest.raises(PermissionDenied):
            service.create_submission(
                db, p["reader"], kind="observation", title="x", body="y", area_codes=["A"]
            )
        with pytest.raises(PermissionDenied, match="only its author"):
            service.update_submission(db, p["c2"], own, {"title": "hijack"})
        with pytest.raises(PermissionDenied):
            service.moderate_submission(db, p["c2"], pending, decision="approve")
        with pytest.raises(PermissionDenied):
            service.moderate_submission(db, p["reader"], pending, decision="approve")
        with pytest.raises(PermissionDenied, match="own submission"):
            service.moderate_submission(db, p["analyst"], mine, decision="approve")
        with pytest.raises(ConflictError):
            service.moderate_submission(db, p["analyst"], own, decision="reject")
        with pytest.raises(PermissionDenied):
            service.list_audit(db, p["c1"])
        with pytest.raises(PermissionDenied):
            service.create_intervention(
                db, p["c1"], type="x", title="x", start_period="2020", area_codes=["A"]
            )
        with pytest.raises(PermissionDenied):
            service.create_user(
                db, p["analyst"], email="n@x.se", name="n", password="long-enough-pw", role="admin"
            )
        with pytest.raises(PermissionDenied):
            service.submission_versions(db, p["reader"], own)
        with pytest.raises(ConflictError):
            service.bootstrap_admin(db, email="b@x.se", name="b", password="another-admin")
        # An admin edits anyone's submission.
        assert service.update_submission(db, p["admin"], own, {"title": "fixed"})["title"] == (
            "fixed"
        )


def test_every_change_is_versioned_and_audited(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        p = _people(db)
        sid = _make(db, p["c1"], "public", submit=False, title="first")
        service.submit_submission(db, p["c1"], sid)
        service.moderate_submission(db, p["analyst"], sid, decision="approve", note="ok")
        out = service.update_submission(
            db, p["c1"], sid, {"title": "second", "area_codes": ["0180R002", "0180R001"]}
        )
        # An author's change of an approved submission needs a new approval.
        assert out["status"] == "submitted" and out["version"] == 4
        same = service.update_submission(db, p["c1"], sid, {"title": "second"})
        assert same["version"] == 4  # no change, no version
    with factory() as db:
        versions = service.submission_versions(db, p["c1"], sid)
        assert [v["action"] for v in versions] == ["create", "submit", "approve", "update"]
        assert [v["version"] for v in versions] == [1, 2, 3, 4]
        assert versions[0]["snapshot"]["title"] == "first public"
        assert versions[2]["changed_by_id"] == p["analyst"].id
        assert versions[3]["snapshot"]["area_codes"] == ["0180R001", "0180R002"]
        assert versions[3]["snapshot"]["status"] == "submitted"
        log = service.list_audit(db, p["analyst"], object_type="submission", object_id=sid)
        assert [e["action"] for e in reversed(log)] == [
            "submission.create",
            "submission.submit",
            "submission.approve",
            "submission.update",
        ]
        assert (
            log[0]["details"]["changed"]
            == ["area_codes", "title", "version", "status", "updated_at"]
            or "title" in log[0]["details"]["changed"]
        )
        n_versions = db.execute(select(func.count()).select_from(SubmissionVersion)).scalar()
        assert n_versions == 4
        users = {e["object_id"] for e in service.list_audit(db, p["admin"], object_type="user")}
        assert len(users) == 5


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("title", "x" * 201, "at most 200"),
        ("body", "x" * 20_001, "at most 20000"),
        ("area_codes", [f"A{i}" for i in range(21)], "at most 20 areas"),
        ("area_codes", [], "at least one"),
        ("area_codes", ["bad code!"], "not an area code"),
        ("title", "   ", "empty"),
        ("kind", "rumour", "observation"),
        ("visibility", "secret", "public"),
        ("period", "last year", "period"),
    ],
)
def test_size_and_value_limits(
    factory: sessionmaker[Session], field: str, value: object, match: str
) -> None:
    with factory.begin() as db:
        p = _people(db)
    fields: dict[str, object] = {
        "kind": "observation",
        "title": "ok",
        "body": "ok",
        "area_codes": ["A1"],
    }
    fields[field] = value
    with factory() as db, pytest.raises(InputError, match=match) as info:
        service.create_submission(db, p["c1"], **fields)  # type: ignore[arg-type]
    assert info.value.field == field
    with factory() as db:  # the limits themselves are allowed
        ok = _submit(db, p["c1"], [f"A{i}" for i in range(20)], title="x" * 200, body="y" * 20_000)
        assert len(ok["area_codes"]) == 20


def test_known_areas_and_export(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        p = _people(db)
        with pytest.raises(InputError, match="unknown area"):
            _submit(db, p["c1"], ["X"], known_areas={"A"})
        sid = int(
            _submit(
                db,
                p["c1"],
                "A;B",
                kind="proposal",
                title="=HYPERLINK()",
                visibility="public",
                submit=True,
            )["id"]
        )
        service.moderate_submission(db, p["analyst"], sid, decision="approve")
        _make(db, p["c1"], "restricted", approve_by=p["analyst"])
    with factory() as db:
        text = service.export_submissions(db, None, fmt="csv")
        lines = text.strip().splitlines()
        assert lines[0].startswith("id,kind,title")
        assert len(lines) == 2 and "'=HYPERLINK()" in lines[1] and "A;B" in lines[1]
        assert "restricted" not in text
        import json

        full = json.loads(service.export_submissions(db, p["analyst"], fmt="json"))
        assert {r["visibility"] for r in full} == {"public", "restricted"}


def test_interventions(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        p = _people(db)
        orgs = service.list_organisations(db, None)
        iv = service.create_intervention(
            db,
            p["analyst"],
            type="områdesprogram",
            title="Program",
            start_period="2020",
            end_period="2024",
            area_codes=["R1", "R2"],
            organisation_ids=[orgs[0]["id"]],
            goals=[{"indicator": "unemployment_16_64", "target": "minska"}, "low_econ_standard"],
        )
        with pytest.raises(InputError, match="before the start"):
            service.create_intervention(
                db,
                p["analyst"],
                type="x",
                title="x",
                start_period="2020",
                end_period="2019",
                area_codes=["R1"],
            )
    with factory() as db:
        listed = service.list_interventions(db, None, area_code="R2")
        assert [x["id"] for x in listed] == [iv["id"]]
        assert listed[0]["goals"][1] == {"indicator": "low_econ_standard", "target": None}
        assert service.list_interventions(db, None, area_code="R9") == []
        assert service.list_audit(db, p["admin"], object_type="intervention")[0]["action"] == (
            "intervention.create"
        )


def _concurrent_writes(factory: sessionmaker[Session], threads: int = 8, each: int = 25) -> None:
    with factory.begin() as db:
        p = _people(db)
    writers = [p["c1"], p["c2"], p["analyst"], p["admin"]]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(k: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                with factory.begin() as db:
                    _submit(db, writers[k % len(writers)], [f"A{k}", "SHARED"], title=f"t{k}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[:3]
    with factory() as db:
        n = db.execute(select(func.count()).select_from(Submission)).scalar_one()
        assert n == threads * each
        titles = set(db.execute(select(Submission.title)).scalars())
        assert titles == {f"t{k}-{i}" for k in range(threads) for i in range(each)}
        assert db.execute(select(func.count()).select_from(SubmissionVersion)).scalar() == n
        audits = db.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "submission.create")
        ).scalar()
        assert audits == n


def test_concurrent_writers_sqlite(factory: sessionmaker[Session]) -> None:
    _concurrent_writes(factory)


def test_concurrent_writers_postgres(pg_factory: sessionmaker[Session]) -> None:
    _concurrent_writes(pg_factory)


def test_matrix_on_postgres(pg_factory: sessionmaker[Session]) -> None:
    with pg_factory.begin() as db:
        p = _people(db)
        pub = _make(db, p["c1"], "public", approve_by=p["analyst"])
        res = _make(db, p["c1"], "restricted", approve_by=p["analyst"])
    with pg_factory() as db:
        assert [s["id"] for s in service.list_submissions(db, None)] == [pub]
        assert {s["id"] for s in service.list_submissions(db, p["analyst"])} == {pub, res}


def test_engine_urls(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not supported"):
        make_engine("mysql://u:p@h/db")
    with pytest.raises(ConfigError, match="cannot read"):
        make_engine("not a url")
    pg = make_engine("postgresql://u:p@localhost/db")
    assert pg.url.drivername == "postgresql+psycopg" and pg.dialect.driver == "psycopg"
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    init_db(engine)
    init_db(engine)  # idempotent
    with engine.connect() as con:
        assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert con.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_seed_refuses_production(factory: sessionmaker[Session]) -> None:
    from omradesbild.partners.seed import seed_demo

    with factory() as db, pytest.raises(ConfigError, match="production"):
        seed_demo(db, None, production=True)  # type: ignore[arg-type]
