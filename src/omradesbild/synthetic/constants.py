"""Constants of the SYNTHETIC city Exempelstad: codes, names, SCB table layouts, units,
offences and the police list's roles. Nothing here is real statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omradesbild import config

SYNTHETIC_LABEL = "SYNTETISKA DATA – Exempelstad"
TITLE_PREFIX = "SYNTETISKA DATA – Exempelstad: "
KOMMUN_CODE = "9999"
KOMMUN_NAME = "Exempelstad (syntetisk)"
LAN_CODE = "99"
LAN_NAME = "Exempel län (syntetiskt)"
#: How the län is spelt in the crime extracts (the real files write e.g. "Skåne Län").
CRIME_LAN_NAME = "Exempel Län (syntetiskt)"
CRS = "EPSG:3006"
#: City centre in SWEREF 99 TM: open Baltic Sea east of Gotland, where no Swedish area lies.
CENTRE = (825_000.0, 6_365_000.0)

DESO_VERSION = config.BASE_VERSION
DESO2025_VERSION = "deso2025"
REGSO_VERSION = config.DEFAULT_VERSION["regso"]
DISTRICT_VERSION = "exempelstad2024"
KOMMUN_VERSION = config.DEFAULT_VERSION["kommun"]
LAN_VERSION = config.DEFAULT_VERSION["lan"]
POLICE_SCHEME = "police_uso"
#: Years in which the (synthetic) police list is published, like the real lists.
POLICE_YEARS: tuple[int, ...] = (2015, 2017, 2019, 2021, 2023, 2024, 2025)
#: Survey years: every second year 2015–2024.
SURVEY_YEARS: tuple[int, ...] = (2015, 2017, 2019, 2021, 2023)

DISTRICT_NAMES: tuple[str, ...] = (
    "Norrby",
    "Sjöstaden",
    "Kvarnbacken",
    "Ekelunda",
    "Lindhöjden",
    "Tallmoen",
    "Södervik",
    "Hagalid",
    "Östergärde",
    "Västra strand",
    "Björkåsen",
    "Granlunda",
)
NAME_PREFIXES: tuple[str, ...] = (
    "Ek", "Björk", "Lind", "Gran", "Tall", "Asp", "Al", "Sjö", "Berg", "Dal", "Hag", "Äng",
    "Bäck", "Sten", "Lund", "Ros", "Värn", "Fur", "Hassel", "Lönn", "Rönn", "Sol", "Kvarn",
    "Mjöl", "Hav", "Strand", "Fält", "Mosse", "Kärr", "Vide",
)  # fmt: skip
NAME_SUFFIXES: tuple[str, ...] = (
    "backen", "dalen", "hagen", "lunda", "gården", "vik", "berga", "torp", "höjden", "ängen",
    "näs", "holmen", "by", "åsen", "parken", "slätten", "lid", "mo",
)  # fmt: skip

#: Age bands of table 000005FF: (header label, variable id, lowest age, highest age or None).
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    *((f"{lo}-{lo + 4} år", f"pop_age_{lo}_{lo + 4}", lo, lo + 4) for lo in range(0, 85, 5)),
    ("85+ år", "pop_age_85_plus", 85, None),
)
AGE_BASE = np.array(
    [5.8, 6.0, 6.0, 5.7, 6.0, 7.0, 7.0, 6.7, 6.4, 6.6, 6.4, 6.0, 5.7, 5.5, 5.2, 4.4, 2.8, 2.6]
)
# How each band reacts to the "young population" factor (children +, elderly -).
AGE_TILT = np.array(
    [1.0, 1.0, 1.0, 0.9, 0.5, 0.4, 0.4, 0.4, 0.3, 0.1, -0.3, -0.5, -0.6, -0.8, -1.1, -1.3, -1.4,
     -1.5]
)  # fmt: skip
# Students and young adults concentrate in the inner city (C areas near the centre).
AGE_URBAN = np.array(
    [-0.2, -0.3, -0.3, -0.2, 0.4, 0.8, 0.6, 0.2, 0.0, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1,
     0.0, 0.0]
)  # fmt: skip


@dataclass(frozen=True)
class TableSpec:
    """One SCB Statistikdatabasen DeSO table as the synthetic city reproduces it.

    ``columns`` pairs each column header label with the canonical variable id.
    """

    table_id: str
    title: str
    columns: tuple[tuple[str, str], ...]
    unit: str
    layout: str  # "year_row", "content_year", "labour", "year_column"


SCB_TABLES: dict[str, TableSpec] = {
    "000005F8": TableSpec(
        "000005F8",
        "Antal hushåll efter region, år och hushållstyp",
        (
            ("sammanboende med barn", "hh_couple_children"),
            ("sammanboende utan barn", "hh_couple_no_children"),
            ("ensamstående med barn", "hh_single_children"),
            ("ensamstående utan barn", "hh_single_no_children"),
            ("övriga hushåll", "hh_other"),
        ),
        "antal hushåll",
        "year_row",
    ),
    "000005FB": TableSpec(
        "000005FB",
        "Folkmängden per region efter region, år, födelseregion och kön",
        (
            ("Sverige", "pop_born_sweden"),
            ("Europa utom Sverige", "pop_born_europe_excl_sweden"),
            ("övriga världen inkl. uppgift saknas", "pop_born_rest_of_world"),
            ("totalt", "pop_total"),
        ),
        "antal personer",
        "year_row_total",
    ),
    "000005FC": TableSpec(
        "000005FC",
        "Folkmängden per region efter år, region och kön",
        (("totalt", "pop_total"),),
        "antal personer",
        "year_column",
    ),
    "000005FE": TableSpec(
        "000005FE",
        "Folkmängden per region efter region, år, utländsk/svensk bakgrund och kön",
        (
            ("svensk bakgrund", "pop_swedish_background"),
            ("utländsk bakgrund", "pop_foreign_background"),
            ("totalt", "pop_total"),
        ),
        "antal personer",
        "year_row_total",
    ),
    "000005FF": TableSpec(
        "000005FF",
        "Folkmängden per region efter region, år, ålder och kön",
        (("totalt", "pop_total"), *((label, var) for label, var, _, _ in AGE_BANDS)),
        "antal personer",
        "year_row_total",
    ),
    "000005FM": TableSpec(
        "000005FM",
        "Andel av befolkningen i inkomstklass efter region, tabellinnehåll, år, inkomstslag "
        "och kön",
        (
            ("Medianvärde, tkr", "income_net_median_tkr"),
            ("Medelvärde, tkr", "income_net_mean_tkr"),
            ("Antal personer totalt", "income_persons_20plus"),
        ),
        "tkr",
        "content_year",
    ),
    "000005LO": TableSpec(
        "000005LO",
        "Antal personer efter region, år och hustyp",
        (
            ("småhus", "persons_house_smahus"),
            ("flerbostadshus", "persons_house_flerbostadshus"),
            ("övriga hus", "persons_house_ovriga"),
            ("specialbostäder", "persons_house_specialbostad"),
            ("uppgift saknas", "persons_house_missing"),
            ("totalt", "persons_house_total"),
        ),
        "antal personer",
        "year_row",
    ),
    "000005MO": TableSpec(
        "000005MO",
        "Befolkning 25-64 år efter region, år och utbildningsnivå",
        (
            ("förgymnasial utbildning", "edu_forgymnasial_25_64"),
            ("gymnasial utbildning", "edu_gymnasial_25_64"),
            ("eftergymnasial utbildning, mindre än 3 år", "edu_eftergymnasial_lt3_25_64"),
            ("eftergymnasial utbildning, 3 år eller mer", "edu_eftergymnasial_ge3_25_64"),
            ("uppgift om utbildningsnivå saknas", "edu_missing_25_64"),
        ),
        "antal personer",
        "year_row",
    ),
    "000006OC": TableSpec(
        "000006OC",
        "Antal lägenheter efter region, år och upplåtelseform",
        (
            ("hyresrätt", "dwellings_rental"),
            ("bostadsrätt", "dwellings_bostadsratt"),
            ("äganderätt", "dwellings_owner"),
            ("uppgift saknas", "dwellings_tenure_missing"),
        ),
        "antal lägenheter",
        "year_row",
    ),
    "000006TA": TableSpec(
        "000006TA",
        "Låg resp. hög ekonomisk standard efter region, tabellinnehåll, år och ålder",
        (
            ("Låg ekonomisk standard, procent", "low_econ_standard_pct"),
            ("Hög ekonomisk standard, procent", "high_econ_standard_pct"),
            ("Antal personer totalt", "persons_econ_standard"),
        ),
        "procent",
        "content_year",
    ),
    "000007A8": TableSpec(
        "000007A8",
        "Arbetsmarknadsstatus. Årligt register efter region, tabellinnehåll, kön, ålder och år",
        (
            ("antal sysselsatta", "employed_16_64"),
            ("antal arbetslösa", "unemployed_16_64"),
            ("antal sysselsatta och arbetslösa (arbetskraften)", "labour_force_16_64"),
            ("antal personer utanför arbetskraften", "outside_labour_force_16_64"),
            ("antal totalt", "pop_16_64"),
        ),
        "antal personer",
        "labour",
    ),
}

#: Unit of every variable the city produces (SCB tables, extras, crime, surveys).
VARIABLE_UNITS: dict[str, str] = {
    **{var: spec.unit for spec in SCB_TABLES.values() for _, var in spec.columns},
    "income_net_median_tkr": "tkr",
    "income_net_mean_tkr": "tkr",
    "income_persons_20plus": "antal personer",
    "low_econ_standard_pct": "procent",
    "high_econ_standard_pct": "procent",
    "persons_econ_standard": "antal personer",
    "pop_total": "antal personer",
    "ekbist_or_longterm_unemployed_20_64": "antal personer",
    "pop_20_64": "antal personer",
    "survey_feel_safe_pct": "procent",
    "survey_trust_police_pct": "procent",
    "survey_victimisation_pct": "procent",
    "survey_respondents": "antal personer",
}
VARIABLE_LABELS: dict[str, str] = {
    **{var: label for spec in SCB_TABLES.values() for label, var in spec.columns},
    "pop_total": "folkmängd totalt",
    "ekbist_or_longterm_unemployed_20_64": (
        "personer 20-64 år med ekonomiskt bistånd och/eller långtidsarbetslöshet"
    ),
    "pop_20_64": "folkmängd 20-64 år",
    "survey_feel_safe_pct": "andel som känner sig trygga",
    "survey_trust_police_pct": "andel med förtroende för polisen",
    "survey_victimisation_pct": "andel utsatta för brott",
    "survey_respondents": "antal svarande",
}
#: Variables (beyond the 11 tables) that have no SCB xlsx layout: written as a long CSV.
EXTRA_VARIABLES: tuple[str, ...] = ("ekbist_or_longterm_unemployed_20_64", "pop_20_64")
SURVEY_VARIABLES: tuple[str, ...] = (
    "survey_feel_safe_pct",
    "survey_trust_police_pct",
    "survey_victimisation_pct",
    "survey_respondents",
)

#: Offence codes in the crime extracts: (klartext as in the real files, file stem, first year,
#: base rate per 1 000 residents and year at deprivation 0).
OFFENCES: dict[str, tuple[str, str, int, float]] = {
    "1211": (
        "Skadegörelse, bilbrand eller brand på annat motorfordon (ej mordbrand, 1301)",
        "bilbrand",
        2012,
        0.25,
    ),
    "1210": ("Skadegörelse, genom brand (ej på motorfordon)", "brand", 2012, 0.35),
    "1311": ("Sabotage mot blåljusverksamhet inkl. grovt", "blåljus sabotage", 2019, 0.04),
    "1615": ("Övriga brott mot 16 kap. BrB", "upplopp", 2020, 0.02),
    "1701": (
        "Våld mot tjänsteman, mot polisman om våldet beräknas medföra att polismannen inte "
        "blir arbetsoförmögen eller blir arbetsoförmögen under kortare tid än ett dygn",
        "våld mot polis 1",
        2012,
        0.15,
    ),
    "1702": (
        "Våld mot tjänsteman, mot polisman om våldet beräknas medföra att polismannen är "
        "arbetsoförmögen under ett dygn eller längre tid.",
        "våld mot polis 2",
        2012,
        0.03,
    ),
}

POLICE_CATEGORY_LABELS: dict[str, str] = {
    "sarskilt_utsatt": "Särskilt utsatt område",
    "utsatt": "Utsatt område",
    "risk": "Riskområde",
}
CATEGORY_SEVERITY = {None: 0, "risk": 1, "utsatt": 2, "sarskilt_utsatt": 3}

# Police roles: (role, trajectory, categories per POLICE_YEARS, preferred rank by deprivation).
_S, _U, _R = "sarskilt_utsatt", "utsatt", "risk"
POLICE_ROLES: tuple[tuple[str, str, tuple[str | None, ...], int], ...] = (
    ("stable_sarskilt", "stable", (_S, _S, _S, _S, _S, _S, _S), 0),
    ("left_still_vulnerable", "stable", (_U, _U, _U, _U, None, None, None), 1),
    ("improved_left", "improving", (_U, _U, _U, None, None, None, None), 4),
    ("declining_entered", "declining", (None, None, None, _R, _R, _U, _U), 6),
    ("upgraded", "declining", (_U, _S, _S, _S, _S, _S, _S), 2),
    ("improving_downgraded", "improving", (_S, _S, _S, _U, _U, _U, _U), 3),
    ("risk_then_utsatt", "stable", (None, _R, _R, _U, _U, _U, _U), 5),
)

TRAJECTORIES: tuple[str, ...] = ("improving", "declining", "stable")
