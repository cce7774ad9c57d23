"""The polygon layers held in the store: which there are, and their attributes."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from omradesbild.errors import NotFoundError
from omradesbild.services.models import CityClass
from omradesbild.store import Store
from omradesbild.wording import Message, both


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
        hint = Message("err_svc_did_you_mean", names=", ".join(close)) if close else ""
        raise NotFoundError(
            both("err_svc_no_layer", level=level, version=repr(version), hint=hint,
                 layers=_layers_text(layers) or Message("exp_src_none"))
        )  # fmt: skip
    if geometry and int(row["with_geometry"].iloc[0]) == 0:
        with_geo = layers[layers["with_geometry"] > 0]
        raise NotFoundError(
            both("err_svc_layer_no_geometry", level=level, version=repr(version),
                 layers=_layers_text(with_geo) or Message("exp_src_none"))
        )  # fmt: skip


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
            both("err_svc_layer_no_attribute", level=level, version=repr(version),
                 attribute=repr(attribute), names=", ".join(names) or Message("exp_src_none"))
        )  # fmt: skip
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


def city_classes(store: Store, *, level: str, version: str) -> dict[str, tuple[CityClass, ...]]:
    """The city's own published class of each area of a layer, by area code.

    Only layers named in :data:`~omradesbild.config.CITY_CLASS_ATTRIBUTES` carry one; an
    area whose value is missing or not a whole number gets none (it is not guessed).
    """
    from omradesbild.config import CITY_CLASS_ATTRIBUTES

    spec = CITY_CLASS_ATTRIBUTES.get(version)
    if spec is None:
        return {}
    code_attr, name_attr, publisher, year = spec
    try:
        table = layer_attribute(store, level=level, version=version, attribute=code_attr)
    except NotFoundError:
        return {}
    names = table[name_attr] if name_attr in table else pd.Series("", index=table.index)
    out: dict[str, tuple[CityClass, ...]] = {}
    for code, value, label in zip(table["area_code"], table[code_attr], names, strict=True):
        cls = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        if pd.isna(cls) or float(cls) != int(cls):
            continue
        out[str(code)] = (
            CityClass(
                period=year,
                cls=int(cls),
                label=str(label) if isinstance(label, str) else "",
                publisher=publisher,
                attribute=code_attr,
            ),
        )
    return out


def _kommuner_under(store: Store, layer: Any) -> list[str]:
    """Kommun codes a polygon layer lies in: its kommun parents, else the stored kommun
    polygons it overlaps most."""
    par = layer.loc[layer["parent_level"] == "kommun", "parent_code"].dropna().astype(str)
    if len(par):
        return sorted(set(par))
    kommuner = store.areas(level="kommun", geometry=True)
    kommuner = kommuner.loc[kommuner.geometry.notna() & ~kommuner.geometry.is_empty]
    if kommuner.empty:
        return []
    pts = layer.geometry.representative_point()
    idx = kommuner.sindex.query(pts, predicate="within")[1]
    return sorted(set(kommuner["area_code"].iloc[idx].astype(str)))


def missing_polygons(store: Store, *, level: str, version: str, from_version: str) -> Message | str:
    """Why a layer cannot be reached from DeSO, when it is that no DeSO polygons lie under
    it (the message of :func:`require_overlap`), else an empty string."""
    m = _no_overlap(store, from_level="deso", from_version=from_version, level=level,
                    version=version)  # fmt: skip
    return m or ""


def require_overlap(store: Store, *, from_level: str, from_version: str, level: str,
                    version: str) -> None:  # fmt: skip
    """Raise a :class:`NotFoundError` when no ``from_version`` polygon lies on the layer,
    naming the kommuner the polygons are missing for, the file that would add them and the
    stored versions that would do (``--via-code-rule-to``)."""
    m = _no_overlap(store, from_level=from_level, from_version=from_version, level=level,
                    version=version)  # fmt: skip
    if m is not None:
        raise NotFoundError(both(m.key, **m.params))


def _no_overlap(store: Store, *, from_level: str, from_version: str, level: str,
                version: str) -> Message | None:  # fmt: skip
    """The message of :func:`require_overlap`, or None when a polygon lies on the layer."""
    target = store.areas(level=level, version=version, geometry=True)
    target = target.loc[target.geometry.notna() & ~target.geometry.is_empty]
    source = store.areas(level=from_level, version=from_version, geometry=True)
    source = source.loc[source.geometry.notna() & ~source.geometry.is_empty]
    if target.empty or source.empty or len(source.sindex.query(target.geometry, "intersects")[0]):
        return None
    where = _kommuner_under(store, target)
    have = sorted(set(source["area_code"].astype(str).str[:4]))
    k = (
        Message("err_svc_kommun_list", kommun=", ".join(where))
        if where
        else Message("err_svc_layer_kommun")
    )
    others = []
    for v in sorted(set(store.areas(level=from_level)["version"].astype(str)) - {from_version}):
        g = store.areas(level=from_level, version=v, geometry=True)
        g = g.loc[g.geometry.notna() & ~g.geometry.is_empty]
        if len(g) and len(g.sindex.query(target.geometry, "intersects")[0]):
            others.append(v)
    hint = (
        Message("err_svc_overlap_other_polygons", versions=", ".join(others), first=others[0])
        if others
        else ""
    )
    return Message(
        "err_svc_no_overlap", from_level=from_level, from_version=from_version, level=level,
        version=version, have=", ".join(have[:8]) + (" …" if len(have) > 8 else ""), where=k,
        option=f" --kommun {where[0]}" if len(where) == 1 else "", hint=hint,
    )  # fmt: skip
