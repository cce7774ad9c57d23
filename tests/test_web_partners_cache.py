"""Two web apps in one process on the same store, each with its own partners' database, never
serve each other's cached partner input (the page cache is process-wide; it must name the
database, not only its public revision)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from helpers import HTML, app_client, approved_observation


def test_apps_on_one_store_keep_their_partner_input_apart(demo_store: Path, tmp_path: Path) -> None:
    from omradesbild.partners.db import session_factory
    from omradesbild.web.entries import forget_public_generation

    code = "9999R001"
    with (
        app_client(demo_store, tmp_path / "a.db") as a,
        app_client(demo_store, tmp_path / "b.db") as b,
    ):
        for client, title in ((a, "Iakttagelse i A"), (b, "Iakttagelse i B")):
            engine = client.app.state.partners_engine  # type: ignore[attr-defined]
            with session_factory(engine)() as db:
                approved_observation(
                    db, prefix="c-", organisation="Föreningen", title=title, body="Text",
                    area_code=code,
                )  # fmt: skip
                db.commit()
        forget_public_generation()
        # Both databases are now at the same public revision, with different content.
        page_a = a.get(f"/omrade/{code}", headers=HTML).text
        page_b = b.get(f"/omrade/{code}", headers=HTML).text
    assert "Iakttagelse i A" in page_a and "Iakttagelse i B" not in page_a
    assert "Iakttagelse i B" in page_b and "Iakttagelse i A" not in page_b


@pytest.fixture(autouse=True)
def _fresh_generation() -> None:
    from omradesbild.web.entries import forget_public_generation

    forget_public_generation()
