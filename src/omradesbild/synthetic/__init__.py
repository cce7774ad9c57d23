"""The SYNTHETIC city Exempelstad: deterministic data for the offline demo and test fixtures.

:func:`generate_city` builds every frame from one seed (pure); :func:`write_city_files`
writes them in the formats of the real sources. Nothing here is real statistics.
"""

from omradesbild.synthetic.city import SyntheticCity, generate_city
from omradesbild.synthetic.constants import (
    KOMMUN_CODE,
    KOMMUN_NAME,
    POLICE_YEARS,
    SCB_TABLES,
    SURVEY_YEARS,
    SYNTHETIC_LABEL,
    TITLE_PREFIX,
)
from omradesbild.synthetic.writers import write_city_files

__all__ = [
    "KOMMUN_CODE",
    "KOMMUN_NAME",
    "POLICE_YEARS",
    "SCB_TABLES",
    "SURVEY_YEARS",
    "SYNTHETIC_LABEL",
    "TITLE_PREFIX",
    "SyntheticCity",
    "generate_city",
    "write_city_files",
]
