"""The data behind the report site, now computed by the service layer.

Kept as a name for callers of the command line: :func:`load_site_data` is
:func:`omradesbild.services.city.load_city` and :class:`SiteData` is
:class:`omradesbild.services.city.CityData`.
"""

from __future__ import annotations

from omradesbild.services.city import CityData as SiteData
from omradesbild.services.city import load_city as load_site_data

__all__ = ["SiteData", "load_site_data"]
