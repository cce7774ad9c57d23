"""Disclosure control: small counts are not published, nor what is computed from them.

Everything Områdesbild publishes (spreadsheets, CSV, JSON, GeoPackage, pages) passes through
:func:`apply_disclosure` first. The rule follows the usual practice of Swedish official
statistics (SCB): small *non-zero* counts of persons are suppressed, zero is shown.
:func:`disclosure_rule_text` states the rule in Swedish or English for display beside the
published figures.

The functions are pure: they never modify their input and do no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from omradesbild.config import DISCLOSURE_THRESHOLD
from omradesbild.errors import ConfigError, InputError
from omradesbild.wording import Message, both, check_lang, text

#: The default threshold T: counts whose rounded value is 1 … T-1 are suppressed.
DEFAULT_THRESHOLD = DISCLOSURE_THRESHOLD

#: Columns added by :func:`apply_disclosure`.
MASK_COLUMNS: tuple[str, ...] = ("masked", "mask_reason")

#: The symbol shown in place of a suppressed figure (as in SCB's tables).
MASK_SYMBOL = ".."

#: Key of ``DataFrame.attrs`` that records the threshold a table was disclosed with.
DISCLOSED_ATTR = "disclosure_threshold"


def _check_threshold(threshold: int) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
        raise ConfigError(both("err_svc_threshold_whole", value=repr(threshold)))
    if threshold < 1:
        raise ConfigError(both("err_svc_threshold_min", value=threshold))
    return int(threshold)


def round_half_up(x: pd.Series) -> pd.Series:
    """Round to the nearest whole number, halves away from zero (``floor(|x| + 0.5)``)."""
    num = pd.to_numeric(x, errors="coerce").astype("float64")
    rounded = np.sign(num.to_numpy()) * np.floor(np.abs(num.to_numpy()) + 0.5)
    return pd.Series(rounded, index=x.index, dtype="float64")


def small_count(x: pd.Series, *, threshold: int) -> pd.Series:
    """Whether each count is a small non-zero count: ``1 <= round_half_up(x) <= threshold - 1``.

    Missing counts are not small (there is nothing to publish).
    """
    t = _check_threshold(threshold)
    r = round_half_up(x)
    return ((r >= 1) & (r <= t - 1)).fillna(False).astype(bool)


def apply_disclosure(
    ind: pd.DataFrame,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    count_columns: Sequence[str] = ("numerator", "denominator"),
    value_columns: Sequence[str] = ("value", "ci_low", "ci_high", "value_smoothed"),
    denominator_column: str | None = "denominator",
) -> pd.DataFrame:
    """Suppress small counts and every value computed from them.

    Parameters
    ----------
    ind
        Long indicator rows (e.g. from
        :func:`omradesbild.services.pipeline.area_indicators`): one row
        per area, period and indicator with its counts and values. Columns of
        ``count_columns`` / ``value_columns`` that are absent are ignored.
    threshold
        The threshold :math:`T` (a whole number, at least 1; 1 suppresses nothing).
    count_columns
        Columns holding counts (possibly weighted, non-integer counts).
    value_columns
        Columns derived from the counts (shares, rates, intervals, smoothed values).
    denominator_column
        The count column whose suppression suppresses the other counts of the row too
        (``None``: none).

    Returns
    -------
    DataFrame
        A copy of ``ind`` with suppressed cells set to missing and two more columns:
        ``masked`` (bool: something in the row was suppressed) and ``mask_reason`` (e.g.
        ``"numerator<5"``, ``"denominator<5"``; missing when nothing was). ``attrs`` records
        the threshold under ``"disclosure_threshold"``. Rows where nothing is suppressed are
        unchanged. Applying the function again is harmless: earlier flags are kept.

    Raises
    ------
    ConfigError
        ``threshold`` is not a whole number of at least 1.
    InputError
        A ``masked`` column is present but is not boolean.

    Notes
    -----
    For each row and each count column :math:`c` with value :math:`x_c`, let
    :math:`r_c = \\lfloor |x_c| + 1/2 \\rfloor` (rounded to the nearest whole number, halves
    up). Weighted counts (aggregated over a crosswalk with weights below 1) are thus tested
    on their rounded value. The count is *small* when

    .. math:: 1 \\le r_c \\le T - 1 .

    A zero count (:math:`r_c = 0`) is published. Then

    - every small count is suppressed;
    - if the denominator is small, the numerator is suppressed as well (a count within a group
      of fewer than :math:`T` is itself below :math:`T`, or reveals the group);
    - if any count of the row is suppressed, every column of ``value_columns`` is suppressed,
      and the row's ``note`` (which can state a count: "denominator 3 below 100").

    Missing counts are not tested; a value without counts (e.g. a published percentage
    without its base) is left as it is. No secondary (complementary) suppression is done: a
    suppressed figure may sometimes be derived from other published figures (totals,
    differences, neighbouring levels). See :func:`disclosure_rule_text`.
    """
    t = _check_threshold(threshold)
    out = ind.copy()
    counts = [c for c in count_columns if c in out.columns]
    values = [c for c in value_columns if c in out.columns]
    hide, reasons = _small_counts(out, counts, denominator_column, t)
    any_hidden = pd.Series(False, index=out.index)
    for c in counts:
        any_hidden = any_hidden | hide[c]
    for c in counts:
        out[c] = out[c].mask(hide[c])
    for c in values:
        out[c] = out[c].mask(any_hidden)
    if "note" in out.columns:
        # a row's note can state its counts ("denominator 3 below 100"): it goes with them
        out["note"] = out["note"].mask(any_hidden)
    new_reason = reasons.str.lstrip(";").where(any_hidden, None)
    _set_flags(out, ind, any_hidden, new_reason)
    out.attrs = {**ind.attrs, DISCLOSED_ATTR: t}
    return out


def suppressed_cells(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Which cells of ``after`` (rows of :func:`apply_disclosure`'s result, by index label,
    in any order or subset) disclosure control suppressed: missing there but present in
    ``before``, the same rows undisclosed. A value missing in both is missing, not
    suppressed."""
    cols = [c for c in after.columns if c in before.columns and c not in MASK_COLUMNS]
    was = before.loc[after.index, cols]
    return after[cols].isna() & was.notna()


def _small_counts(
    out: pd.DataFrame, counts: list[str], denominator_column: str | None, t: int
) -> tuple[dict[str, pd.Series], pd.Series]:
    """Per count column, the cells to hide; and per row the reasons (``";c<T"`` joined)."""
    small = {c: small_count(out[c], threshold=t) for c in counts}
    reasons = pd.Series("", index=out.index, dtype="object")
    hide: dict[str, pd.Series] = {}
    for c in counts:
        hide[c] = small[c].copy()
        reasons = reasons.where(~small[c], reasons + f";{c}<{t}")
    if denominator_column is not None and denominator_column in small:
        den_small = small[denominator_column]
        for c in counts:
            if c != denominator_column:
                hide[c] = hide[c] | den_small
    return hide, reasons


def _set_flags(
    out: pd.DataFrame, ind: pd.DataFrame, any_hidden: pd.Series, new_reason: pd.Series
) -> None:
    """Write ``masked`` and ``mask_reason`` into ``out``, keeping earlier flags of ``ind``."""
    if "masked" not in ind.columns:
        out["masked"] = any_hidden.astype(bool)
        out["mask_reason"] = new_reason.astype("object")
        return
    old = ind["masked"]
    if not (pd.api.types.is_bool_dtype(old) or old.dropna().isin([True, False]).all()):
        raise InputError(
            Message("err_svc_masked_not_boolean"), field="masked", expected="True/False"
        )
    old_flag = old.fillna(False).astype(bool)
    old_reason = (
        ind["mask_reason"] if "mask_reason" in ind.columns else pd.Series(None, index=ind.index)
    )
    merged = [
        _join_reasons(a, b) for a, b in zip(old_reason.tolist(), new_reason.tolist(), strict=True)
    ]
    out["masked"] = old_flag | any_hidden
    out["mask_reason"] = pd.Series(merged, index=out.index, dtype="object")


def _join_reasons(a: object, b: object) -> str | None:
    parts: list[str] = []
    for r in (a, b):
        if isinstance(r, str) and r:
            parts += [p for p in r.split(";") if p and p not in parts]
    return ";".join(parts) if parts else None


def mask_components(
    wide: pd.DataFrame,
    disclosed: pd.DataFrame,
    *,
    columns: Iterable[str],
    id_column: str = "area_code",
    period_column: str = "period",
) -> pd.DataFrame:
    """Suppress indicator values in a wide table where the long table suppressed them.

    Parameters
    ----------
    wide
        One row per area (and period), one column per indicator, e.g. an index result with
        its component indicators.
    disclosed
        Long rows from :func:`apply_disclosure` (``area_code``, ``period``, ``indicator``,
        ``masked``).
    columns
        The indicator columns of ``wide`` to check. A column whose indicator is absent from
        ``disclosed`` cannot be checked and is dropped (never published unchecked).

    Returns
    -------
    DataFrame
        A copy of ``wide`` with suppressed cells set to missing and unchecked columns dropped.
    """
    if "masked" not in disclosed.columns:
        raise InputError(
            Message("err_svc_long_not_disclosed"),
            field="masked",
            expected=Message("exp_svc_disclosed_output"),
        )
    out = wide.copy()
    keys = [k for k in (id_column, period_column) if k in wide.columns]
    known = set(disclosed["indicator"].astype(str).unique())
    masked = disclosed[disclosed["masked"].fillna(False).astype(bool)]
    of_masked = masked["indicator"].astype(str)
    drop: list[str] = []
    probe_keys: pd.DataFrame | None = None  # the keys as text (an indicator is no key)
    for col in columns:
        if col not in out.columns:
            continue
        if col not in known:
            drop.append(col)
            continue
        rows = masked[of_masked == col]
        if rows.empty:
            continue
        hit = rows[[*keys]].drop_duplicates().assign(_hit=True)
        if id_column in keys:
            hit[id_column] = hit[id_column].astype(str)
        if period_column in keys:
            hit[period_column] = hit[period_column].astype(str)
        if probe_keys is None:
            probe_keys = out[keys].astype(str)
        probe = probe_keys.merge(hit, on=keys, how="left")["_hit"]
        flag = probe.fillna(False).astype(bool).to_numpy()
        out[col] = out[col].mask(pd.Series(flag, index=out.index))
    return out.drop(columns=drop)


def disclosure_rule_text(threshold: int = DEFAULT_THRESHOLD, lang: str = "sv") -> str:
    """The disclosure rule in plain words, for pages and exports.

    Parameters
    ----------
    threshold
        The threshold :math:`T` used by :func:`apply_disclosure`.
    lang
        ``"sv"`` (Swedish, default) or ``"en"``.

    Raises
    ------
    ConfigError
        Unknown language or invalid threshold.
    """
    t = _check_threshold(threshold)
    lang = check_lang(lang)
    if t == 1:
        return text("disclosure_rule_off", lang)
    small = "1" if t == 2 else f"1–{t - 1}"
    return text("disclosure_rule", lang, threshold=t, small=small, symbol=MASK_SYMBOL)
