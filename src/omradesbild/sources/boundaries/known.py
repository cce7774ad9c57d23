"""Known boundary files: their level, version, fields and provenance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from omradesbild.config import DEFAULT_VERSION


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


_OPEN = "open data, see the publisher's terms"

#: Known boundary files (by file name), with level, version and fields.
KNOWN_LAYERS: dict[str, KnownLayer] = {
    "stockholms_lan_deso2018_simplified.geojson": KnownLayer(
        level="deso",
        version="deso2018",
        code_field="id",
        name_field=None,
        parent_field="kommun",
        parent_level="kommun",
        parent_version=DEFAULT_VERSION["kommun"],
        publisher="SCB",
        title="DeSO 2018, Stockholms län (simplified by a third party)",
    ),
    "goteborg_deso2025.gpkg": KnownLayer(
        level="deso",
        version="deso2025",
        code_field="desokod",
        name_field=None,
        parent_field="regsokod",
        parent_level="regso",
        parent_version="regso2025",
        publisher="SCB",
        title="DeSO 2025, Göteborg (SCB geodata WFS)",
    ),
    "goteborg_regso2025.gpkg": KnownLayer(
        level="regso",
        version="regso2025",
        code_field="regsokod",
        name_field="regsonamn",
        parent_field="kommunkod",
        parent_level="kommun",
        parent_version=DEFAULT_VERSION["kommun"],
        publisher="SCB",
        title="RegSO 2025, Göteborg (SCB geodata WFS)",
    ),
    "goteborg_primaromraden.gpkg": KnownLayer(
        level="district",
        version="goteborg_primaromraden2025",
        code_field="omrade_kod",
        name_field="omrade_namn",
        parent_field="kommun_kod",
        parent_level="kommun",
        parent_version=DEFAULT_VERSION["kommun"],
        publisher="Göteborgs Stad",
        licence=_OPEN,
        title="Göteborgs primärområden 2025 with the city's socioeconomic area classes",
    ),
    "stockholm_stadsdelar.geojson": KnownLayer(
        level="district",
        version="stockholm_stadsdelar",
        code_field="NAMN",
        name_field="NAMN",
        publisher="Stockholms stad",
        licence=_OPEN,
        title="Stockholms stadsdelar",
    ),
    "stockholm_basomraden_pop2014_2016.gpkg": KnownLayer(
        level="district",
        version="stockholm_basomraden",
        code_field="nyckelkod",  # current key; nyckelkod_1 / tidigare_n hold the former one
        name_field="namn",
        publisher="Stockholms stad",
        licence=_OPEN,
        title="Stockholms statistiska basområden (population 2014-2016 as attributes)",
    ),
    "malmo_delomraden.gpkg": KnownLayer(
        level="district",
        version="malmo_delomraden",
        code_field="do_kod",
        name_field="delomrade",
        publisher="Malmö stad",
        licence=_OPEN,
        title="Malmö delområden",
    ),
    "sverige_kommuner_2025.gpkg": KnownLayer(
        level="kommun",
        version="kommun2025",
        code_field="kommun_kod",
        name_field="kommun_namn",
        parent_field="lan_kod",
        parent_level="lan",
        parent_version=DEFAULT_VERSION["lan"],
        publisher="SCB",
        title="Sveriges kommuner 2025 (with SKR kommungrupp)",
    ),
    "sverige_lan.gpkg": KnownLayer(
        level="lan",
        version="lan2025",
        code_field="lan_kod",
        name_field="lan_namn",
        publisher="SCB",
        title="Sveriges län 2025",
    ),
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
