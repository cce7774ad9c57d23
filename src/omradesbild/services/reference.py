"""The reference population of a classification, stated, and class names that match it.

SCB/Delmos's area types ("Områdestyp 1 – …") cut the index at mean + k·sd of *every RegSO in
Sweden*. Classes computed against another distribution — one city's areas, a layer's own
areas — are not SCB's types and get their own names: "relativt staden: klass 1" …
(``relative_class_city``; ``relative_class_other`` for a selection of several kommuner or a
layer whose kommun is unknown). Every index result carries a ``reference`` column naming the
distribution: "riket", "staden Stockholm", "urvalet (3 kommuner)" or "lagrets egna områden".

Rule: the reference is the country when its areas lie in every kommun of SCB's current list
(shipped in :mod:`omradesbild.areas.registry`); one kommun is that city; several are a
selection; areas without a known kommun are the layer's own areas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from omradesbild.config import AREA_TYPE_METHOD
from omradesbild.index.classify import class_labels
from omradesbild.index.method import IndexMethod
from omradesbild.wording import Message, text

ReferenceKind = Literal["country", "city", "selection", "layer"]


@dataclass(frozen=True)
class Reference:
    """The population a classification was computed against."""

    kind: ReferenceKind
    kommuner: tuple[str, ...] = ()
    city_name: str | None = None

    @property
    def national(self) -> bool:
        """Whether the reference is every area of the country (SCB's thresholds)."""
        return self.kind == "country"

    def label(self, lang: str = "sv") -> str:
        """ "riket", "staden Stockholm", "urvalet (3 kommuner)" or "lagrets egna områden"."""
        return self.message().text(lang)

    def message(self) -> Message:
        """The label as a catalogue message, worded in either language."""
        if self.kind == "country":
            return Message("reference_country")
        if self.kind == "city":
            return Message("reference_city", name=self.city_name or self.kommuner[0])
        if self.kind == "selection":
            return Message("reference_selection", n=len(self.kommuner))
        return Message("reference_layer")

    def class_name(self, cls: int, lang: str = "sv") -> str:
        """The name of relative class ``cls`` against this (non-national) reference."""
        key = "relative_class_city" if self.kind == "city" else "relative_class_other"
        return text(key, lang, k=cls)


def reference_of(
    kommun_codes: Iterable[str | None], kommun_names: Mapping[str, str] | None = None
) -> Reference:
    """The reference of a distribution whose areas lie in ``kommun_codes`` (one per area,
    ``None`` where unknown); see the module's rule."""
    from omradesbild.areas.registry import kommuner

    codes = sorted({str(k) for k in kommun_codes if isinstance(k, str) and k})
    if not codes:
        return Reference("layer")
    if set(kommuner()["code"].astype(str)) <= set(codes):
        return Reference("country", tuple(codes))
    if len(codes) == 1:
        names = dict(kommun_names or {})
        if not names:
            shipped = kommuner()
            names = dict(zip(shipped["code"].astype(str), shipped["name"], strict=True))
        return Reference("city", tuple(codes), names.get(codes[0]))
    return Reference("selection", tuple(codes))


def uses_scb_type_names(method: IndexMethod) -> bool:
    """Whether the method's classes carry SCB's area-type names."""
    return method.id == AREA_TYPE_METHOD


def class_names(method: IndexMethod, ref: Reference, lang: str = "sv") -> list[str]:
    """Names of the method's classes 1..n against ``ref`` in ``lang``: the method's class
    names (:func:`~omradesbild.index.classify.class_labels`), but relative names where
    SCB's type names would be claimed against a non-national reference; empty when the
    method does not classify."""
    rule = method.classification
    if rule is None:
        return []
    names = class_labels(rule, lang)
    if uses_scb_type_names(method) and not ref.national:
        return [ref.class_name(k, lang) for k in range(1, len(names) + 1)]
    return names


def with_reference(result: pd.DataFrame, method: IndexMethod, ref: Reference) -> pd.DataFrame:
    """An index result with its ``reference`` column (after ``class_label`` or at the end),
    and relative class names in ``class_label`` when SCB's type names would be claimed
    against a non-national reference; ``attrs`` are kept (``attrs["reference"]`` added, and
    ``attrs["reference_message"]``, the label as a message worded in either language, and
    ``attrs["class_names"]``: language → the classes' names 1..n, for
    :func:`~omradesbild.reports.exports.tables.index_in_lang`)."""
    attrs = dict(result.attrs)
    out = result.copy()
    relabel = uses_scb_type_names(method) and not ref.national
    if relabel and "class" in out.columns and "class_label" in out.columns:
        names = class_names(method, ref, "sv")
        out["class_label"] = pd.array(
            [None if pd.isna(c) else names[int(c) - 1] for c in out["class"]],
            dtype="string",
        )
    pos = list(out.columns).index("class_label") + 1 if "class_label" in out else len(out.columns)
    out.insert(pos, "reference", ref.label("sv"))
    attrs["reference"] = ref.label("sv")
    # The reference and the class names in each language, for a renderer that writes the
    # result in English (the columns hold the Swedish ones).
    attrs["reference_message"] = ref.message()
    attrs["class_names"] = {lang: class_names(method, ref, lang) for lang in ("sv", "en")}
    out.attrs = attrs
    return out
