"""Read boundary layers (GeoPackage, GeoJSON, Shapefile) into :class:`Areas`.

Every layer is reprojected to SWEREF 99 TM (EPSG:3006), flattened to 2D and stored as WKB;
the layer's other attributes are kept as JSON text. Code, name and parent fields are taken
from the arguments, from :data:`KNOWN_LAYERS` (the files in ``shared/data/geo`` and the
Police's ``uso_2023`` shapefile) or detected from the layer's fields and values.

Modules: :mod:`.layers` opens files and layers (path, CRS, checksum, provenance),
:mod:`.detect` finds the level and the code/name/parent fields, :mod:`.build` validates
a layer into an areas frame, :mod:`.known` lists the known files and :mod:`.read` ties
them together.
"""

from omradesbild.sources.boundaries.build import TARGET_CRS, build_areas
from omradesbild.sources.boundaries.detect import (
    detect_code_field,
    detect_level,
    detect_name_field,
)
from omradesbild.sources.boundaries.known import KNOWN_LAYERS, KnownLayer, known_layer
from omradesbild.sources.boundaries.layers import (
    SUPPORTED_SUFFIXES,
    layer_checksum,
    list_layers,
    normalise_codes,
    open_layer,
    source_meta,
)
from omradesbild.sources.boundaries.read import read_boundaries, read_known_boundaries

__all__ = [
    "KNOWN_LAYERS",
    "SUPPORTED_SUFFIXES",
    "TARGET_CRS",
    "KnownLayer",
    "build_areas",
    "detect_code_field",
    "detect_level",
    "detect_name_field",
    "known_layer",
    "layer_checksum",
    "list_layers",
    "normalise_codes",
    "open_layer",
    "read_boundaries",
    "read_known_boundaries",
    "source_meta",
]
