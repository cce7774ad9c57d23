"""Stand-in indicators named as what they are, in every output.

When a method's indicator is missing from the data and one of its declared fallbacks is used
instead (e.g. the unemployment share 16–64 for SCB's "andel 20–64 med ekonomiskt bistånd
och/eller långtidsarbetslöshet"), every output names the column that was used and what it
stands in for. The wording is the catalogue's ``standin_<column>_for_<indicator>`` when it
has one, else ``standin_generic`` with the catalogue's indicator names.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from omradesbild.wording import Message, strings, text


def standin_label(indicator: str, column: str, lang: str) -> str:
    """What a reader is told about ``column`` standing in for ``indicator``, in ``lang``."""
    key = f"standin_{column}_for_{indicator}"
    if key in strings(lang):
        return text(key, lang)
    from omradesbild.services.area import catalogue_names

    names, _, _ = catalogue_names(lang)
    return text(
        "standin_generic",
        lang,
        column=names.get(column, column),
        indicator=names.get(indicator, indicator),
    )


def standin_message(indicator: str, column: str) -> Message:
    """:func:`standin_label` as a note worded in the reader's language."""
    key = f"standin_{column}_for_{indicator}"
    if key in strings("sv"):
        return Message(key)
    from omradesbild.services.area import catalogue_names

    names, _, _ = catalogue_names("sv")
    column_name, indicator_name = names.get(column, column), names.get(indicator, indicator)
    return Message("standin_generic", column=column_name, indicator=indicator_name)


def standin_labels(fallbacks: Mapping[str, str], lang: str) -> dict[str, str]:
    """Indicator id -> the label of the column standing in for it (``fallbacks``: indicator
    -> column, as in an index result's ``attrs["fallbacks"]``)."""
    return {ind: standin_label(ind, col, lang) for ind, col in fallbacks.items()}


def standin_text(fallbacks: Mapping[str, str], lang: str) -> str | None:
    """All stand-ins of a run in one line (``"; "``-separated), or ``None`` without any."""
    labels = standin_labels(fallbacks, lang)
    return "; ".join(labels.values()) if labels else None


def with_standin_labels(result: pd.DataFrame) -> pd.DataFrame:
    """An index result with ``fallback_label_sv`` and ``fallback_label_en`` after
    ``fallback_used`` (empty where no stand-in was used); ``attrs`` are kept."""
    fallbacks = result.attrs.get("fallbacks") or {}
    if "fallback_used" not in result.columns:
        return result
    attrs = dict(result.attrs)
    used = result["fallback_used"].notna()
    out = result.copy()
    pos = list(out.columns).index("fallback_used") + 1
    for k, lang in enumerate(("sv", "en")):
        label = standin_text(fallbacks, lang)
        out.insert(pos + k, f"fallback_label_{lang}", [label if u else None for u in used])
    out.attrs = attrs
    return out
