"""Known boundary files: their level, version, fields and provenance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from omradesbild.config import DEFAULT_VERSION
from omradesbild.sources.base import LICENCE_OPEN_DATA


@dataclass(frozen=True)
class KnownLayer:
    """How to read one known boundary file.

    Attributes
    ----------
    level, version
        Area level (see :data:`omradesbild.areas.LEVELS`) and boundary version.
    code_field, name_field
        Attribute holding the area code and the area name (``None``: no name).
    parent_field, parent_level, parent_version
        Attribute holding the code of the enclosing area, and that area's level and version.
    publisher, licence, title
        Provenance recorded in :class:`SourceMeta`.
    kommun
        The kommun code every area of a city's layer lies in, for a layer without a field of
        it: recorded as each area's parent kommun.
    reader
        ``"boundaries"`` (:func:`read_boundaries`) or ``"police"``
        (:func:`omradesbild.sources.police.read_police_areas`).
    year
        The year of a police layer (``reader == "police"``).
    """

    level: str
    version: str
    code_field: str
    name_field: str | None
    publisher: str
    title: str
    parent_field: str | None = None
    parent_level: str | None = None
    parent_version: str | None = None
    licence: str = "CC0 1.0"
    reader: str = "boundaries"
    year: int | None = None
    kommun: str | None = None


_OPEN = LICENCE_OPEN_DATA

_KOMMUN_PARENT = ("kommun", DEFAULT_VERSION["kommun"])


def _scb(
    level: str,
    version: str,
    code_field: str,
    name_field: str | None,
    title: str,
    parent: tuple[str, str, str] | None = None,
) -> KnownLayer:
    """An SCB layer (CC0); ``parent`` is ``(field, level, version)`` of the enclosing area."""
    field, plevel, pversion = parent or (None, None, None)
    return KnownLayer(
        level=level,
        version=version,
        code_field=code_field,
        name_field=name_field,
        publisher="SCB",
        title=title,
        parent_field=field,
        parent_level=plevel,
        parent_version=pversion,
    )


def _district(
    publisher: str,
    version: str,
    code_field: str,
    name_field: str,
    title: str,
    kommun_field: str | None = None,
    kommun: str | None = None,
) -> KnownLayer:
    """A city's district layer (open data), with the field of its kommun code if it has one,
    else the code of the city's kommun."""
    return KnownLayer(
        level="district",
        version=version,
        code_field=code_field,
        name_field=name_field,
        publisher=publisher,
        licence=_OPEN,
        title=title,
        parent_field=kommun_field,
        parent_level=_KOMMUN_PARENT[0] if kommun_field else None,
        parent_version=_KOMMUN_PARENT[1] if kommun_field else None,
        kommun=kommun,
    )


#: Known boundary files (by file name), with level, version and fields.
KNOWN_LAYERS: dict[str, KnownLayer] = {
    "stockholms_lan_deso2018_simplified.geojson": _scb(
        "deso",
        "deso2018",
        "id",
        None,
        "DeSO 2018, Stockholms län (simplified by a third party)",
        parent=("kommun", *_KOMMUN_PARENT),
    ),
    "goteborg_deso2025.gpkg": _scb(
        "deso",
        "deso2025",
        "desokod",
        None,
        "DeSO 2025, Göteborg (SCB geodata WFS)",
        parent=("regsokod", "regso", "regso2025"),
    ),
    "goteborg_regso2025.gpkg": _scb(
        "regso",
        "regso2025",
        "regsokod",
        "regsonamn",
        "RegSO 2025, Göteborg (SCB geodata WFS)",
        parent=("kommunkod", *_KOMMUN_PARENT),
    ),
    "goteborg_primaromraden.gpkg": _district(
        "Göteborgs Stad",
        "goteborg_primaromraden2025",
        "omrade_kod",
        "omrade_namn",
        "Göteborgs primärområden 2025 (with the city's socioeconomic area classes)",
        kommun_field="kommun_kod",
    ),
    "stockholm_stadsdelar.geojson": _district(
        "Stockholms stad",
        "stockholm_stadsdelar",
        "NAMN",
        "NAMN",
        "Stockholms stadsdelar",
        kommun="0180",
    ),
    "stockholm_basomraden_pop2014_2016.gpkg": _district(
        "Stockholms stad",
        "stockholm_basomraden",
        "nyckelkod",  # current key; nyckelkod_1 / tidigare_n hold the former one
        "namn",
        "Stockholms statistiska basområden (population 2014-2016 as attributes)",
        kommun="0180",
    ),
    "malmo_delomraden.gpkg": _district(
        "Malmö stad", "malmo_delomraden", "do_kod", "delomrade", "Malmö delområden", kommun="1280"
    ),
    "sverige_kommuner_2025.gpkg": _scb(
        "kommun",
        "kommun2025",
        "kommun_kod",
        "kommun_namn",
        "Sveriges kommuner 2025 (with SKR kommungrupp)",
        parent=("lan_kod", "lan", DEFAULT_VERSION["lan"]),
    ),
    "sverige_lan.gpkg": _scb("lan", "lan2025", "lan_kod", "lan_namn", "Sveriges län 2025"),
    "uso_2023.shp": KnownLayer(
        level="police_area",
        version="police2023",
        code_field="NAMN",  # the police reader derives the code from ORT + NAMN
        name_field="NAMN",
        publisher="Polismyndigheten",
        licence=_OPEN,
        title="Polisens utsatta områden 2023 (boundaries)",
        reader="police",
        year=2023,
    ),
}


def known_layer(path: str | Path) -> KnownLayer | None:
    """The :data:`KNOWN_LAYERS` entry for a file (by file name), or ``None``."""
    p = Path(path)
    if p.is_dir():
        shps = sorted(p.glob("*.shp"))
        if len(shps) == 1:
            p = shps[0]
    return KNOWN_LAYERS.get(p.name)
