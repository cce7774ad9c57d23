"""Area levels, code rules and boundary versions.

Swedish statistical areas:

- **DeSO** (demografiska statistikområden): 9 characters, 4-digit kommun code + category
  letter (A rural, B semi-urban, C urban) + 3-digit serial + 1 reserve digit, e.g.
  ``0114C1010``. Versions ``deso2018`` and ``deso2025``; the 2025 revision split some areas
  by changing only the reserve digit (``1480C1030`` -> ``1480C1031``, ``1480C1032``).
- **RegSO** (regionala statistikområden): ``0114R001`` — kommun code + ``R`` + 3 digits.
  Versions ``regso2020`` and ``regso2025``.
- **kommun** (4 digits) and **län** (2 digits).
- City districts, police areas and custom layers have codes of their own.
"""

from omradesbild.areas.codes import (
    LEVELS,
    VERSIONS,
    deso_2018_to_2025_stem,
    is_deso,
    is_regso,
    kommun_of,
    validate_code,
)

__all__ = [
    "LEVELS",
    "VERSIONS",
    "deso_2018_to_2025_stem",
    "is_deso",
    "is_regso",
    "kommun_of",
    "validate_code",
]
