"""Reader for xlsx exports from SCB's Statistikdatabasen (PX-Web).

One generic reader for every layout the web export writes: a title row, header rows spread
over several lines (tabellinnehåll, year, category labels, "totalt"/sex/age rows in any
order), a stub of one or more leading columns (the region code, sometimes a year or another
category), one row per area, and footnotes with SCB's metadata ("Sort:", "Referenstid:",
"Senaste uppdatering:", "Intern referenskod:").

The reader finds the data block from the area codes themselves, the header block above it,
the header row (or stub column) that holds the period, and maps every data column to a
canonical variable id through the catalogue ``scb_tables.yaml`` (keyed by SCB's table id).

The package splits the work by concern: :mod:`.grid` reads the sheet, :mod:`.layout` finds the
data block and its stub, :mod:`.header` parses the header rows and the footer, :mod:`.catalogue`
loads and validates ``scb_tables.yaml`` (or a user-given catalogue) and
:mod:`.reader` builds the observations.
"""

from omradesbild.sources.scb_xlsx._common import DEFAULT_AREA_VERSIONS
from omradesbild.sources.scb_xlsx.catalogue import ScbTableCatalogue, load_catalogue
from omradesbild.sources.scb_xlsx.reader import read_scb_xlsx

__all__ = [
    "DEFAULT_AREA_VERSIONS",
    "ScbTableCatalogue",
    "load_catalogue",
    "read_scb_xlsx",
]
