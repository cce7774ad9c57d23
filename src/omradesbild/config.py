"""Defaults of the whole package, in one place.

Every layer (sources, store, core, services, renderers) reads its defaults from here; none
defines its own. Change a default here and it changes everywhere.
"""

from __future__ import annotations

#: Default boundary version of each level.
DEFAULT_VERSION: dict[str, str] = {
    "deso": "deso2018",
    "regso": "regso2020",
    "kommun": "kommun2025",
    "lan": "lan2025",
    "country": "country",
}

#: Boundary version of the base areas that hold the counts (SCB's DeSO 2018).
BASE_VERSION: str = DEFAULT_VERSION["deso"]

#: The method of SCB's socioeconomic area types (områdestyper): the default index.
AREA_TYPE_METHOD: str = "scb-omradestyp"
DEFAULT_METHOD: str = AREA_TYPE_METHOD

#: Population share of an area inside a police polygon from which the area counts as listed.
POLICE_SHARE_THRESHOLD: float = 0.5

#: Disclosure control: counts from 1 to this minus one are masked in published tables.
DISCLOSURE_THRESHOLD: int = 5

#: Reported offences: a year whose share of offences geocoded to a DeSO is below this is left
#: out of crime trends and indices by default (the Police geocoded to DeSO from 2020; the real
#: extracts have 88–99 % geocoded from 2020 and at most 17 % before).
CRIME_MIN_GEOCODED_SHARE: float = 0.8
#: A crime rate built on fewer events than this is flagged unreliable (relative standard
#: error of a Poisson count 1/sqrt(x): about 32 % at 10 events), whatever the population.
CRIME_MIN_EVENTS: int = 10
