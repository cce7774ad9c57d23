"""The polygon layers held in the store: which there are, and their attributes."""

from __future__ import annotations

import json

import pandas as pd

from omradesbild.errors import NotFoundError
from omradesbild.store import Store


def stored_layers(store: Store) -> pd.DataFrame:
    """Level, version, number of areas and of areas with a geometry, for every stored layer."""
    return store.con.execute(
        "SELECT level, version, count(*) AS n, count(geometry) AS with_geometry "
        "FROM areas GROUP BY ALL ORDER BY level, version"
    ).df()


def _layers_text(layers: pd.DataFrame) -> str:
    return ", ".join(
        f"{lv}/{v} ({n} areas, {g} with geometry)"
        for lv, v, n, g in layers[["level", "version", "n", "with_geometry"]].itertuples(
            index=False
        )
    )


def require_layer(store: Store, level: str, version: str, *, geometry: bool = False) -> None:
    """Raise a :class:`NotFoundError` listing the stored layers when ``level/version`` is absent.

    With ``geometry``, the layer must also have polygons in the store.
    """
    layers = stored_layers(store)
    row = layers[(layers["level"] == level) & (layers["version"] == version)]
    if row.empty:
        import difflib

        close = difflib.get_close_matches(version, layers["version"].astype(str).tolist(), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise NotFoundError(
            f"the store holds no {level} areas of version {version!r}{hint}; stored layers: "
            + (_layers_text(layers) or "none")
            + ". Ingest the layer with 'omradesbild ingest boundaries <file>'"
        )
    if geometry and int(row["with_geometry"].iloc[0]) == 0:
        with_geo = layers[layers["with_geometry"] > 0]
        raise NotFoundError(
            f"the {level} layer {version!r} has no geometries in the store (it came from a "
            "key or a list); layers with geometry: "
            + (_layers_text(with_geo) or "none")
            + ". Ingest its boundary file with 'omradesbild ingest boundaries <file>'"
        )


def layer_attribute(store: Store, *, level: str, version: str, attribute: str) -> pd.DataFrame:
    """``area_code``, ``name`` and the value of one stored attribute of a layer's areas.

    Raises
    ------
    NotFoundError
        Unknown layer, or an attribute no area has (naming the attributes there are).
    """
    require_layer(store, level, version)
    areas = store.areas(level=level, version=version)
    parsed = [json.loads(a) if isinstance(a, str) and a else {} for a in areas["attributes"]]
    if not any(attribute in p for p in parsed):
        names = sorted({k for p in parsed for k in p})
        raise NotFoundError(
            f"the {level} layer {version!r} has no attribute {attribute!r}; its attributes: "
            + (", ".join(names) or "none")
        )
    out = pd.DataFrame(
        {
            "area_code": areas["area_code"].astype(str),
            "name": areas["name"],
            attribute: [p.get(attribute) for p in parsed],
        }
    )
    label = label_attribute(attribute)
    if label and any(label in p for p in parsed):
        out[label] = [p.get(label) for p in parsed]
    return out


def label_attribute(attribute: str) -> str | None:
    """The attribute holding the names of a code attribute (``x_kod`` -> ``x_namn``)."""
    if attribute.endswith("_kod"):
        return attribute[: -len("_kod")] + "_namn"
    return None
