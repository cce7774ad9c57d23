"""Demo content for the partners' database (SYNTHETIC; never for production).

:func:`seed_demo` creates clearly labelled synthetic organisations, one user per role with
the documented passwords in :data:`DEMO_USERS`, observations linked to areas of the
synthetic city Exempelstad and two interventions (an area programme and a joint safety
pilot). It refuses to run when ``production=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from omradesbild import config
from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.partners import service
from omradesbild.partners.models import Organisation, Role, User
from omradesbild.partners.service import Actor
from omradesbild.store import Store
from omradesbild.wording import both

SYNTHETIC = "(syntetisk demo)"


@dataclass(frozen=True)
class DemoAccount:
    """A demo login (documented; the demo prints these)."""

    email: str
    password: str
    role: str
    organisation: str


#: (key, name, kind) of the demo organisations.
DEMO_ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("city", f"Exempelstad stadsdelsförvaltning Norr {SYNTHETIC}", "city_district"),
    ("police", f"Lokalpolisområde Exempelstad {SYNTHETIC}", "police"),
    ("civil", f"Föreningen Grannsamverkan Exempelstad {SYNTHETIC}", "civil_society"),
    ("academia", f"Exempelstads högskola, kriminologi {SYNTHETIC}", "academia"),
    ("bra", f"Brottsförebyggande rådet Exempelstad {SYNTHETIC}", "crime_prevention"),
)

#: The demo users: (e-mail, name, role, organisation key, password). Demo only.
DEMO_USERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("admin@exempelstad.example", "Ada Admin", "admin", "city", "demo-admin-pass"),
    ("analytiker@exempelstad.example", "Ali Analytiker", "analyst", "city",
     "demo-analyst-pass"),
    ("polis@exempelstad.example", "Petra Polis", "contributor", "police",
     "demo-contributor-pass"),
    ("forening@exempelstad.example", "Frida Förening", "contributor", "civil",
     "demo-contributor-pass"),
    ("lasare@exempelstad.example", "Lars Läsare", "reader", "academia", "demo-reader-pass"),
)  # fmt: skip


def _area_types(store: Store, period: str) -> pd.DataFrame:
    from omradesbild.index import load_method
    from omradesbild.services.pipeline import IndexSelection, area_index

    ix = area_index(store, IndexSelection(load_method(config.AREA_TYPE_METHOD), "regso", period))
    return ix.loc[ix["class"].notna(), ["area_code", "class"]].sort_values(["class", "area_code"])


def seed_demo(session: Session, store: Store, *, production: bool = False) -> list[DemoAccount]:
    """Fill an empty partners' database with the synthetic demo content.

    Parameters
    ----------
    session
        An open session; the caller commits.
    store
        The demo store (Exempelstad), for the area codes and area types.
    production
        The deployment's production flag: seeding is refused when it is true.

    Returns
    -------
    list of DemoAccount
        The demo logins (also when the content existed already; nothing is added twice).

    Raises
    ------
    ConfigError
        When ``production`` is true.
    NotFoundError
        When the store holds no RegSO areas.
    """
    if production:
        raise ConfigError(both("err_web_demo_in_production"))
    orgs = _organisations(session)
    accounts = [DemoAccount(email, pw, role, orgs[o].name) for email, _, role, o, pw in DEMO_USERS]
    if session.execute(select(User).where(User.email == DEMO_USERS[0][0])).scalar():
        return accounts
    users = _users(session, orgs)
    _content(session, store, users, orgs)
    session.flush()
    return accounts


def _organisations(session: Session) -> dict[str, Organisation]:
    """The demo organisations by key, created where missing."""
    orgs: dict[str, Organisation] = {}
    for key, name, kind in DEMO_ORGANISATIONS:
        org = session.execute(select(Organisation).where(Organisation.name == name)).scalar()
        if org is None:
            org = Organisation(name=name, kind=kind, synthetic=True)
            session.add(org)
            session.flush()
        orgs[key] = org
    return orgs


def _users(session: Session, orgs: dict[str, Organisation]) -> dict[str, Actor]:
    """Create the demo users; keyed by role, later users of a taken role by e-mail."""
    users: dict[str, Actor] = {}
    for email, name, role, org_key, password in DEMO_USERS:
        if role == Role.ADMIN.value:
            info = service.bootstrap_admin(session, email=email, name=name, password=password)
            admin = session.get(User, info["id"])
            assert admin is not None
            admin.organisation_id = orgs[org_key].id
            session.flush()
        else:
            info = service.create_user(
                session, users["admin"], email=email, name=name, password=password,
                role=role, organisation_id=orgs[org_key].id,
            )  # fmt: skip
        user = session.get(User, info["id"])
        actor = Actor.of(user)
        assert actor is not None
        users[role if role not in users else email] = actor
    return users


def _content(
    session: Session, store: Store, users: dict[str, Actor], orgs: dict[str, Organisation]
) -> None:
    """Observations on the three lowest-typed RegSO areas, their moderation, interventions."""
    periods = store.summary()["periods"]
    if not periods:
        raise NotFoundError(both("err_web_seed_no_periods"))
    regso = store.areas(level="regso")
    if regso.empty:
        raise NotFoundError(both("err_web_seed_no_regso"))
    types = _area_types(store, "2019" if "2019" in periods else periods[0])
    hard = types["area_code"].tolist()[:3]  # the lowest area types
    analyst, police = users["analyst"], users["contributor"]
    civil = users["forening@exempelstad.example"]
    names = dict(zip(regso["area_code"], regso["name"].fillna(regso["area_code"]), strict=False))

    def obs(actor: Actor, title: str, body: str, areas: list[str], **kw: Any) -> int:
        return int(service.create_submission(session, actor, title=title, body=body,
                                             area_codes=areas, **kw)["id"])  # fmt: skip

    s1 = obs(police, f"Ökad oro kring torget i {names[hard[0]]} {SYNTHETIC}",
             "Boende och näringsidkare beskriver otrygghet kvällstid kring torget. "
             "Synpunkter från medborgardialog (syntetiskt exempel).",
             [hard[0]], kind="observation", theme="trygghet", period="2023",
             visibility="public", submit=True)  # fmt: skip
    s2 = obs(civil, f"Läxhjälp saknas i {names[hard[1]]} {SYNTHETIC}",
             "Föreningen ser efterfrågan på läxhjälp för högstadieelever (syntetiskt exempel).",
             [hard[1]], kind="proposal", theme="skola", period="2024",
             visibility="internal", submit=True)  # fmt: skip
    s3 = obs(police, f"Lägesbild narkotikaförsäljning {SYNTHETIC}",
             "Underlag som inte får spridas utanför analytikergruppen (syntetiskt exempel).",
             hard[:2], kind="analysis", theme="brott", period="2024",
             visibility="restricted", submit=True)  # fmt: skip
    obs(civil, f"Utkast: idé om nattvandring {SYNTHETIC}",
        "Ett utkast som bara författaren ser (syntetiskt exempel).", [hard[2]],
        kind="proposal", theme="trygghet", visibility="public")  # fmt: skip
    for sid in (s1, s2, s3):
        service.moderate_submission(session, analyst, sid, decision="approve",
                                    note="Granskad i demo")  # fmt: skip

    service.create_intervention(
        session, analyst, type="områdesprogram",
        title=f"Områdesprogram {names[hard[0]]} {SYNTHETIC}",
        description="Samordnat program för arbete, utbildning och boende (syntetiskt).",
        start_period="2020", end_period="2026", area_codes=[hard[0]],
        organisation_ids=[orgs["city"].id, orgs["civil"].id],
        goals=[{"indicator": "unemployment_16_64", "target": "minska med 2 procentenheter"},
               {"indicator": "low_econ_standard", "target": "minska"}],
    )  # fmt: skip
    service.create_intervention(
        session, analyst, type="trygghetspilot",
        title=f"Gemensam trygghetspilot {SYNTHETIC}",
        description="Stad, polis och civilsamhälle i samverkan (syntetiskt).",
        start_period="2022", end_period="2024", area_codes=hard[:2],
        organisation_ids=[orgs["city"].id, orgs["police"].id, orgs["civil"].id],
        goals=[{"indicator": "survey_feel_safe", "target": "öka"},
               {"indicator": "crime_rate_1211", "target": "minska"}],
    )  # fmt: skip
