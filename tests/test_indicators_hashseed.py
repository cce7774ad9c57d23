"""Same inputs, same result, bit for bit: indicator output must not depend on Python's
string-hash seed (set iteration order), which differs between processes."""

from __future__ import annotations

import subprocess
import sys

_SCRIPT = """
import pandas as pd
from omradesbild.indicators import compute_indicators

rows = []
for code, base in (("0180C1010", 2000), ("0180C1020", 1000), ("0180C1030", 1500)):
    rows.append((code, "pop_total", "2022", base))
    rows.append((code, "pop_total", "2023", base + 100))
    for year, n in (("2016", 1), ("2017", 2), ("2018", 3), ("2019", 4), ("2020", 5),
                    ("2021", 6), ("2022", 7), ("2024", 8), ("2025", 9)):
        rows.append((code, "crime_1211", year, n))
obs = pd.DataFrame(rows, columns=["area_code", "variable", "period", "value"])
obs["area_version"] = "deso2018"
obs["level"] = "deso"
res = compute_indicators(obs, indicators=["crime_rate_1211"])
print(res.to_csv(index=False))
"""


def _run(seed: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def test_indicator_rows_do_not_depend_on_the_hash_seed() -> None:
    first = _run("0")
    assert "denominator from 2022" in first and "denominator from 2023" in first
    for seed in ("1", "2"):
        assert _run(seed) == first, f"PYTHONHASHSEED={seed} changed the output"
