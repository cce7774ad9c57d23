"""Match Statistikdatabasen's RegSO labels "Kommun (RegSO-namn)" to RegSO codes.

SCB's exports name a RegSO by its kommun and its name, e.g. ``"Upplands Väsby (Bollstanäs)"``:
a RegSO name is unique only together with its kommun. :func:`match_regso_labels` matches every
label against the RegSO names and kommun names held in the store (from SCB's key) and
reports the labels it cannot match; it never drops one silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from omradesbild.errors import InputError
from omradesbild.wording import Message

#: Columns ``areas`` must have.
AREA_LABEL_COLUMNS: tuple[str, ...] = ("area_code", "name", "kommun_name")

#: Columns of :attr:`LabelMatch.matched`.
MATCH_COLUMNS: tuple[str, ...] = ("label", "area_code", "how")

_SPACE = re.compile(r"\s+")
_DASH = re.compile(r"[\u2010-\u2015\u2212]")


def regso_label(kommun_name: str, regso_name: str) -> str:
    """The label SCB writes for a RegSO: ``"Kommun (RegSO-namn)"``."""
    return f"{kommun_name} ({regso_name})"


def normalise_label(label: str) -> str:
    """A label compared loosely: NFC, one space, no space inside the parentheses, one dash
    style, case folded."""
    s = unicodedata.normalize("NFC", str(label))
    s = _DASH.sub("-", s)
    s = _SPACE.sub(" ", s).strip()
    s = s.replace("( ", "(").replace(" )", ")")
    return s.casefold()


@dataclass(frozen=True)
class LabelMatch:
    """The result of matching labels to RegSO codes.

    Attributes
    ----------
    matched
        :data:`MATCH_COLUMNS`: each distinct matched label, its RegSO code and ``how``
        (``exact``, or ``normalised`` when only spacing, dashes or case differ).
    unmatched
        Distinct labels that match no RegSO, in input order.
    ambiguous
        Labels that match several RegSO, with the codes.
    """

    matched: pd.DataFrame
    unmatched: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)

    def mapping(self) -> dict[str, str]:
        """Label -> RegSO code for the matched labels."""
        return dict(zip(self.matched["label"], self.matched["area_code"], strict=True))

    @property
    def n_exact(self) -> int:
        return int((self.matched["how"] == "exact").sum())

    @property
    def n_normalised(self) -> int:
        return int((self.matched["how"] == "normalised").sum())


def match_regso_labels(labels: Sequence[str], areas: pd.DataFrame) -> LabelMatch:
    """Match "Kommun (RegSO-namn)" labels to RegSO codes.

    Parameters
    ----------
    labels
        The labels as the file writes them (repeats allowed).
    areas
        One row per RegSO with ``area_code``, ``name`` (RegSO name) and ``kommun_name``.

    Returns
    -------
    LabelMatch

    Raises
    ------
    InputError
        ``areas`` lacks a column, or two RegSO share a kommun and a name (their labels
        cannot tell them apart) — reported for a label only when the file uses it.

    Notes
    -----
    A label matches the RegSO whose :func:`regso_label` equals it exactly; otherwise the one
    whose label equals it after :func:`normalise_label` (SCB's exports sometimes keep a
    space before the closing parenthesis, e.g. ``"Botkyrka (Tuna )"``).
    """
    missing = [c for c in AREA_LABEL_COLUMNS if c not in areas.columns]
    if missing:
        raise InputError(
            Message("err_src_regso_columns_missing", columns=", ".join(missing)),
            field=missing[0],
            expected=", ".join(AREA_LABEL_COLUMNS),
        )
    exact: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for code, name, kommun in areas[list(AREA_LABEL_COLUMNS)].itertuples(index=False):
        if pd.isna(name) or pd.isna(kommun):
            continue
        lab = regso_label(str(kommun).strip(), str(name).strip())
        exact.setdefault(lab, []).append(str(code))
        loose.setdefault(normalise_label(lab), []).append(str(code))
    rows: list[tuple[str, str, str]] = []
    unmatched: list[str] = []
    ambiguous: dict[str, list[str]] = {}
    for label in dict.fromkeys(str(x) for x in labels):
        hits, how = exact.get(label), "exact"
        if hits is None:
            hits, how = loose.get(normalise_label(label)), "normalised"
        if hits is None:
            unmatched.append(label)
        elif len(set(hits)) > 1:
            ambiguous[label] = sorted(set(hits))
        else:
            rows.append((label, hits[0], how))
    return LabelMatch(
        matched=pd.DataFrame(rows, columns=list(MATCH_COLUMNS)),
        unmatched=unmatched,
        ambiguous=ambiguous,
    )


def regso_label_areas(regso: pd.DataFrame, kommuner: pd.DataFrame) -> pd.DataFrame:
    """The ``areas`` frame :func:`match_regso_labels` needs, from stored areas.

    Parameters
    ----------
    regso
        RegSO areas (``area_code``, ``name``, ``parent_code`` = kommun code).
    kommuner
        Kommun areas (``area_code``, ``name``).
    """
    names = dict(zip(kommuner["area_code"].astype(str), kommuner["name"], strict=True))
    kommun = regso["parent_code"].where(regso["parent_code"].notna(), regso["area_code"].str[:4])
    return pd.DataFrame(
        {
            "area_code": regso["area_code"].astype(str).to_numpy(),
            "name": regso["name"].to_numpy(),
            "kommun_name": [names.get(str(k)) for k in kommun],
        }
    )
