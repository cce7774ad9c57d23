"""Errors about input read Swedish then English when their message is worded by the
catalogue, and every error message key of the catalogue is worded in both languages."""

from __future__ import annotations

import pytest

from omradesbild.errors import InputError
from omradesbild.wording import Message, strings


def test_input_error_with_a_worded_message_reads_swedish_then_english() -> None:
    exc = InputError(
        Message("err_no_level", level="regso"),
        file="data.csv",
        row=3,
        field="kod",
        expected=Message("err_no_kommun", kommun="0180"),
    )
    assert str(exc) == (
        "data.csv: rad 3, fältet 'kod': datalagret har inga områden på nivån regso"
        " (väntat: datalagret har inga områden i kommun 0180)"
        " / row 3, field 'kod': the store holds no areas of level regso"
        " (expected the store holds no areas of kommun 0180)"
    )
    assert exc.worded("en", where=False) == (
        "the store holds no areas of level regso (expected the store holds no areas of kommun 0180)"
    )


def test_input_error_with_a_plain_message_keeps_its_english_frame() -> None:
    exc = InputError("bad code", file="data.csv", row=3, field="kod", expected="four digits")
    assert str(exc) == "data.csv, row 3, field 'kod': bad code (expected four digits)"
    assert not exc.bilingual()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_error_text_is_not_empty(lang: str) -> None:
    words = strings(lang)
    errors = [k for k in words if k.startswith(("err_", "exp_"))]
    assert errors
    assert [k for k in errors if not words[k].strip()] == []


def test_a_bad_area_code_words_what_was_expected_in_each_language() -> None:
    from pathlib import Path

    from omradesbild.sources.nested_key import check_code

    with pytest.raises(InputError) as caught:
        check_code("180", "kommun", file=Path("key.csv"), row=4, field="Kommun")
    text = str(caught.value)
    assert text.startswith("key.csv: rad 4, fältet 'Kommun': ")
    assert "(väntat: 4 siffror, t.ex. 0180) / row 4" in text
    assert text.endswith("(expected 4 digits, e.g. 0180)")
