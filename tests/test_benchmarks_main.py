"""``python -m benchmarks``: names and options are told apart (no benchmark is run)."""

from __future__ import annotations

import pytest
from benchmarks.__main__ import BENCHMARKS, split_arguments


def test_no_arguments_run_the_default_set() -> None:
    assert split_arguments([]) == (BENCHMARKS, [])


def test_options_are_passed_to_the_one_benchmark() -> None:
    names, options = split_arguments(["bench_national", "--years", "1,5", "--clients", "20"])
    assert names == ["bench_national"]
    assert options == ["--years", "1,5", "--clients", "20"]


def test_several_names_without_options() -> None:
    assert split_arguments(["bench_index", "bench_cli"]) == (["bench_index", "bench_cli"], [])


@pytest.mark.parametrize("argv", [["--years", "1"], ["bench_index", "bench_cli", "--repeat", "2"]])
def test_options_need_exactly_one_benchmark(argv: list[str]) -> None:
    with pytest.raises(SystemExit, match="exactly one benchmark"):
        split_arguments(argv)
