"""Passwords, sessions, CSRF tokens and login rate limiting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from omradesbild.errors import InputError
from omradesbild.partners import security, service
from omradesbild.partners.db import init_db, make_engine, session_factory
from omradesbild.partners.errors import NotAuthenticated, RateLimited
from omradesbild.partners.models import User, utcnow


def test_password_hash_and_verify(product_password_hashing: None) -> None:
    """The product's hasher (the other tests hash at the least cost: tests/conftest.py):
    Argon2id with argon2-cffi's default parameters (64 MiB, 3 passes, 4 lanes)."""
    h = security.hash_password("correct horse battery")
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and "correct" not in h
    assert not security.needs_rehash(h)
    assert security.verify_password(security._DUMMY_HASH, "x") is False
    assert security._DUMMY_HASH.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert security.verify_password(h, "correct horse battery")
    assert not security.verify_password(h, "correct horse batterx")
    assert not security.verify_password("not-a-hash", "whatever")
    assert security.hash_password("correct horse battery") != h  # salted
    with pytest.raises(InputError, match="at least 12"):
        security.hash_password("short")


def test_csrf_tokens() -> None:
    t = security.csrf_token("key", "session-a")
    assert security.check_csrf("key", "session-a", t)
    assert not security.check_csrf("key", "session-b", t)
    assert not security.check_csrf("other-key", "session-a", t)
    assert not security.check_csrf("key", "session-a", None)
    assert not security.check_csrf("key", None, t)
    assert not security.check_csrf("key", "session-a", t[:-1] + ("A" if t[-1] != "A" else "B"))


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    init_db(engine)
    f = session_factory(engine)
    with f.begin() as db:
        service.bootstrap_admin(db, email="a@x.se", name="A", password="the-admin-password")
    return f


def test_sessions_expire_and_end(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        user = security.authenticate(db, "A@X.se ", "the-admin-password", ip="1.2.3.4")
        token = security.create_session(db, user)
        old = security.create_session(db, user, ttl=timedelta(seconds=-1))
    with factory.begin() as db:
        assert security.session_user(db, token) is not None
        assert security.session_user(db, old) is None
        assert security.session_user(db, "forged") is None
        assert security.purge_expired(db) >= 1
        security.end_session(db, token)
    with factory.begin() as db:
        assert security.session_user(db, token) is None
        u = db.get(User, user.id)
        assert u is not None
        token2 = security.create_session(db, u)
        u.active = False
    with factory() as db:
        assert security.session_user(db, token2) is None  # deactivated users are logged out


def test_rate_limit_after_five_failures(factory: sessionmaker[Session]) -> None:
    now = utcnow()
    for i in range(security.MAX_FAILURES):
        with factory() as db:
            with pytest.raises(NotAuthenticated):
                security.authenticate(db, "a@x.se", f"wrong-{i}", ip="9.9.9.9", now=now)
            db.commit()
    with factory() as db:
        # Even the right password is refused while limited.
        with pytest.raises(RateLimited) as info:
            security.authenticate(db, "a@x.se", "the-admin-password", ip="9.9.9.9", now=now)
        assert 0 < info.value.retry_after <= 15 * 60 + 1
        # The account stays locked from another IP address; after the window it may log in.
        with pytest.raises(RateLimited):
            security.authenticate(db, "a@x.se", "the-admin-password", ip="8.8.8.8", now=now)
        later = now + security.FAILURE_WINDOW + timedelta(seconds=1)
        assert security.authenticate(db, "a@x.se", "the-admin-password", ip="9.9.9.9", now=later)
    with factory() as db, pytest.raises(NotAuthenticated, match="wrong e-mail"):
        security.authenticate(db, "nobody@x.se", "the-admin-password", ip="9.9.9.9")
