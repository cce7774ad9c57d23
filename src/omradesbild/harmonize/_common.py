"""Checks and text-column helpers shared by the harmonisation modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from omradesbild.errors import InputError
from omradesbild.validation import what as _what
from omradesbild.wording import Message

#: The dtype pandas gives a column of Python strings (Arrow-backed ``str`` from pandas 3).
_TEXT_DTYPE = pd.Series(np.array(["a"], dtype=object)).dtype


def _require(df: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        worded = _what(what)
        raise InputError(
            Message("err_ana_lacks_columns", what=worded, missing=", ".join(missing)),
            field=missing[0],
            expected=Message("exp_ana_with_columns", what=worded, columns=", ".join(columns)),
        )


def _refuse_first(
    bad: npt.NDArray[np.bool_],
    message: Callable[[int], Message],
    *,
    field: str,
    expected: Message,
) -> None:
    """Raise an :class:`InputError` for the first row where ``bad`` holds (if any).

    ``message`` gets the row's position (from 0); the error names the row from 1.
    """
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(message(pos), row=pos + 1, field=field, expected=expected)


def _text_column(uniques: npt.NDArray[Any], idx: npt.NDArray[Any]) -> Any:
    """``uniques[idx]`` as the text column pandas would build from Python strings.

    With Arrow-backed strings the column is gathered by Arrow from the few unique values
    (no Python string object per row); otherwise it is an object array as before.
    """
    if isinstance(_TEXT_DTYPE, pd.StringDtype) and _TEXT_DTYPE.storage == "pyarrow":
        taken = pa.array(np.asarray(uniques, dtype=object).astype(str), type=pa.string()).take(
            pa.array(idx)
        )
        return pd.array(taken, dtype=_TEXT_DTYPE)
    return np.asarray(uniques, dtype=object)[idx]


def _factorize_str(values: pd.Series) -> tuple[npt.NDArray[Any], pd.Index]:
    """Codes into the sorted unique text values (values compared as text).

    Raises
    ------
    InputError
        A missing value.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):  # fast path: already factorized
        codes = values.cat.codes.to_numpy(dtype=np.intp)
        uniques = values.cat.categories.to_numpy(dtype=object)
    elif getattr(values.dtype, "storage", None) == "pyarrow":  # Arrow strings: native, fast
        codes, arrow_uniques = pd.factorize(values)
        uniques = np.asarray(arrow_uniques, dtype=object)
    else:  # object arrays factorize about twice as fast as pandas' python-backed str arrays
        codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    _refuse_first(
        np.asarray(codes) < 0,
        lambda _: Message("err_ana_key_missing", column=str(values.name)),
        field=str(values.name),
        expected=Message("exp_ana_key_every_row", column=str(values.name)),
    )
    text = pd.Index(uniques).astype(str)
    final_codes, final = pd.factorize(text, sort=True)
    if len(final) == len(text) and (final_codes == np.arange(len(text))).all():
        return np.asarray(codes), pd.Index(final)
    return np.asarray(final_codes)[codes], pd.Index(final)
