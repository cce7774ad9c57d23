"""CDC SVI's Swedish indicator names use the catalogue's words for the same variables (the
Swedish names of SCB's variables), so the method page does not name one thing two ways."""

from __future__ import annotations

from omradesbild.index import load_method
from omradesbild.indicators import default_catalogue


def _labels() -> dict[str, str]:
    return {i.id: str(i.label_sv) for i in load_method("cdc-svi-2018").indicators}


def test_svi_names_follow_the_catalogues_terms_for_scbs_variables() -> None:
    sv = _labels()
    cat = default_catalogue()
    # The same variable, the same name (the method adds the unit, as SCB's method does).
    assert sv["EP_AGE65"] == f"{cat.get('age_65_plus').name_sv} (procent)"
    assert sv["EP_SNGPNT"].startswith(cat.get("single_parent_households").name_sv + " ")
    # The catalogue's words for a level of education and for unemployment.
    assert "med högst förgymnasial utbildning" in cat.get("edu_low_25_64").name_sv
    assert "med högst förgymnasial utbildning" in sv["EP_NOHSDP"]
    assert cat.get("unemployment_rate_lf").name_sv.startswith("Arbetslöshet (andel av ")
    assert sv["EP_UNEMP"].startswith("Arbetslöshet (andel av den civila arbetskraften ")
    # Ages written as the catalogue writes them.
    assert cat.get("age_0_19").name_sv == "Andel 0–19 år" and sv["EP_AGE17"].startswith(
        "Andel 0–17 år"
    )


def test_svi_shares_are_named_as_shares() -> None:
    """Every percentage is "Andel …" as in the catalogue (not "Personer …", "Hushåll …")."""
    for sid, label in _labels().items():
        if label.endswith("(procent)") and sid != "EP_UNEMP":
            assert label.startswith("Andel "), (sid, label)
    assert _labels()["EP_PCI"] == "Medelinkomst per invånare"
