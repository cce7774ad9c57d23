"""The command line's tables round as the pages and the downloads do: each figure at its
published precision, halves away from zero (so the CLI and the web say the same number)."""

from __future__ import annotations

import pandas as pd

from omradesbild.cli.common import rounded
from omradesbild.precision import indicator_decimals
from omradesbild.wording import fmt_num


def test_change_tables_take_the_indicators_precision_and_round_halves_away() -> None:
    pct = "not_employed_16_64"
    assert indicator_decimals(pct) == 1
    df = pd.DataFrame(
        {
            "indicator": [pct, pct],
            "value_from": [12.25, 0.125],  # exact binary halves: numpy would give 12.2, 0.1
            "value_to": [12.75, -2.25],
            "diff": [0.5, -2.375],
            "kommun_diff": [1.25, float("nan")],
            "p_value": [0.0625, 0.5],
            "population": [1234.5, 10.5],
            "slope": [0.0625, 0.0],
        }
    )
    out = rounded(df, 3)
    assert out["value_from"].tolist() == [12.3, 0.1]
    assert out["value_to"].tolist() == [12.8, -2.3]
    assert out["diff"].tolist() == [0.5, -2.4]
    assert out["kommun_diff"].iloc[0] == 1.3 and pd.isna(out["kommun_diff"].iloc[1])
    assert out["p_value"].tolist() == [0.063, 0.5]
    assert out["population"].tolist() == [1235, 11]
    assert out["slope"].tolist() == [0.063, 0.0]
    # The web says the same number.
    assert fmt_num(12.25, "en", indicator_decimals(pct)) == f"{out['value_from'].iloc[0]:.1f}"
    assert fmt_num(12.25, "sv", indicator_decimals(pct)) == "12,3"


def test_rates_and_counts_of_the_crime_tables() -> None:
    df = pd.DataFrame(
        {
            "offence": ["x", "y"],
            "count": [3.0, 4.0],
            "rate_per_1000": [2.25, 0.35],
            "ci_low": [1.05, 0.15],
            "ci_high": [4.45, 0.85],
            "ratio": [1.125, 0.5],
        }
    )
    out = rounded(df)
    assert out["rate_per_1000"].tolist() == [2.3, 0.4]
    assert out["ci_low"].tolist() == [1.1, 0.2]
    assert out["ci_high"].tolist() == [4.5, 0.9]
    assert out["count"].tolist() == [3, 4]
    assert out["ratio"].tolist() == [1.13, 0.5]


def test_columns_with_their_own_decimals_per_row() -> None:
    df = pd.DataFrame({"goal_id": ["a", "b"], "target": [1.5, 12.25]})
    out = rounded(df, decimals={"target": pd.Series([0, 1])})
    assert out["target"].tolist() == [2.0, 12.3]
