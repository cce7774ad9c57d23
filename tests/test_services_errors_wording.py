"""The store's, the services', the command line's and the reports' errors read Swedish, then
English: each case triggers one error on bad input and checks both languages' words (and the
file and row of an error about input), directly and through the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from omradesbild.errors import (
    ConfigError,
    InputError,
    MethodError,
    NotFoundError,
    OmradesbildError,
    StoreError,
    UnknownAreaError,
)
from omradesbild.store import Store

if TYPE_CHECKING:
    from conftest import CliRun

Trigger = Callable[[Store, Path], object]


def _schema_newer(store: Store, tmp: Path) -> object:
    from omradesbild.store.schema import SCHEMA_VERSION, check_schema_version

    return check_schema_version(SCHEMA_VERSION + 1, path="x.duckdb")


def _file_not_found(store: Store, tmp: Path) -> object:
    from omradesbild.store.ingest import parse_pxweb_file

    return parse_pxweb_file(tmp / "nope.json")


def _format_from_ending(store: Store, tmp: Path) -> object:
    from omradesbild.store.ingest import parse_pxweb_file

    (tmp / "table.txt").write_text("x")
    return parse_pxweb_file(tmp / "table.txt")


def _unknown_area(store: Store, tmp: Path) -> object:
    from omradesbild.sources.base import Observations, SourceMeta

    data = pd.DataFrame(
        {
            "area_code": ["0180C9999"],
            "area_version": "deso2018",
            "variable": "pop_total",
            "period": "2022",
            "value": [1.0],
            "unit": "antal",
            "missing_reason": [None],
        }
    )
    source = SourceMeta("SCB", "T", "Tabell", "t.csv", "c" * 64)
    with Store(tmp / "s.duckdb") as s:
        return s.ingest(Observations(source, data))


def _variable_not_in_store(store: Store, tmp: Path) -> object:
    return store.require_variable("nope")


def _no_layer(store: Store, tmp: Path) -> object:
    from omradesbild.services.layers import require_layer

    return require_layer(store, "regso", "nope")


def _empty_query(store: Store, tmp: Path) -> object:
    from omradesbild.services.search import build_index, search_areas

    return search_areas(build_index([]), " ")


def _explore_unknown(store: Store, tmp: Path) -> object:
    from omradesbild.index import load_method
    from omradesbild.services.explore import modified_method

    return modified_method(load_method("scb-omradestyp"), include=["nope"])


def _no_kommun(store: Store, tmp: Path) -> object:
    from omradesbild.services.lagesbild import default_kommun

    return default_kommun(())


def _same_versions(store: Store, tmp: Path) -> object:
    from omradesbild.services.links import compose_links

    return compose_links(store.links(), from_version="deso2018", to_version="deso2018")


def _partners_no_file(store: Store, tmp: Path) -> object:
    from omradesbild.services.partners import load_partner_input

    return load_partner_input(f"sqlite:///{tmp / 'nope.db'}")


def _threshold(store: Store, tmp: Path) -> object:
    from omradesbild.reports.disclosure import disclosure_rule_text

    return disclosure_rule_text(0, "sv")


def _export_format(store: Store, tmp: Path) -> object:
    from omradesbild.reports.exports.bundle import _check_formats

    return _check_formats(["nope"])


def _precision(store: Store, tmp: Path) -> object:
    from omradesbild.precision import check_precision

    return check_precision("nope")


def _bad_yaml(store: Store, tmp: Path) -> object:
    from omradesbild.wording import Message
    from omradesbild.yamlfile import read_yaml

    (tmp / "bad.yaml").write_text("a: [1\n")
    return read_yaml(tmp / "bad.yaml", what=Message("exp_ana_what_the_goal_file"))


def _unreadable_goal_file(store: Store, tmp: Path) -> object:
    from omradesbild.followup.goal_file import load_goals

    return load_goals(tmp)  # a folder: not readable as a file


def _select(store: Store, tmp: Path) -> object:
    from omradesbild.cli.fetch import parse_selection

    return parse_selection(["Region"])


#: id -> (trigger, class, Swedish, English)
CASES: dict[str, tuple[Trigger, type[OmradesbildError], str, str]] = {
    "store/schema: newer schema": (
        _schema_newer,
        StoreError,
        "x.duckdb: datalagrets schemaversion",
        "x.duckdb: store schema version",
    ),
    "store/ingest: file not found": (
        _file_not_found,
        InputError,
        "nope.json: filen finns inte (väntat: en befintlig fil)",
        " / file not found (expected an existing file)",
    ),
    "store/ingest: format from the ending": (
        _format_from_ending,
        InputError,
        "kan inte avgöra formatet av filändelsen '.txt'",
        "cannot tell the format from the ending '.txt'",
    ),
    "store/writes: unknown area": (
        _unknown_area,
        UnknownAreaError,
        "t.csv: fältet 'area_code': 1 okänd områdeskod: 0180C9999 (deso2018); datalagret har "
        "inga områden i versionen deso2018",
        "field 'area_code': 1 unknown area code(s): 0180C9999 (deso2018); the store holds no "
        "areas of version deso2018",
    ),
    "store/store: variable not in the store": (
        _variable_not_in_store,
        NotFoundError,
        "variabeln 'nope' finns inte i datalagret",
        "variable 'nope' is not in the store",
    ),
    "services/layers: no layer": (
        _no_layer,
        NotFoundError,
        "datalagret har inga områden på nivån regso i versionen 'nope'",
        "the store holds no regso areas of version 'nope'",
    ),
    "services/search: empty query": (
        _empty_query,
        InputError,
        "fältet 'q': ange ett områdes namn eller kod (väntat: t.ex. Husby eller 0180R036)",
        "field 'q': give an area's name or code (expected e.g. Husby or 0180R036)",
    ),
    "services/explore: unknown indicator": (
        _explore_unknown,
        MethodError,
        "indikatorerna ['nope'] finns inte i metoden 'scb-omradestyp'",
        "indicators ['nope'] are not in method 'scb-omradestyp'",
    ),
    "services/lagesbild: no kommun": (
        _no_kommun,
        NotFoundError,
        "datalagret har inga områden placerade i en kommun",
        "the store holds no areas placed in a kommun",
    ),
    "services/pipeline: same versions": (
        _same_versions,
        ConfigError,
        "från- och till-versionen är samma (deso2018)",
        "from and to version are the same (deso2018)",
    ),
    "services/partners: no database file": (
        _partners_no_file,
        ConfigError,
        "partnerdatabasen: filen",
        "partners database: no such file",
    ),
    "reports/disclosure: threshold": (
        _threshold,
        ConfigError,
        "röjandetröskeln ska vara minst 1 (1 = inget döljs), fick 0",
        "disclosure threshold must be at least 1 (1 = suppress nothing), got 0",
    ),
    "reports/exports: unknown format": (
        _export_format,
        ConfigError,
        "okända exportformat nope; väntat några av",
        "unknown export format(s) nope; expected some of",
    ),
    "precision: unknown precision": (
        _precision,
        InputError,
        "fältet 'precision': okänd precision 'nope'",
        "field 'precision': unknown precision 'nope'",
    ),
    "yamlfile: not valid YAML": (
        _bad_yaml,
        ConfigError,
        "bad.yaml: ogiltig YAML",
        "bad.yaml: not valid YAML",
    ),
    "yamlfile: unreadable goal file": (
        _unreadable_goal_file,
        ConfigError,
        ": kan inte läsa målfilen (",
        ": cannot read the goal file (",
    ),
    "cli/fetch: --select": (
        _select,
        ConfigError,
        "--select 'Region': väntat VARIABEL=VÄRDE[,VÄRDE…]",
        "--select 'Region': expected VARIABLE=VALUE[,VALUE…]",
    ),
}


@pytest.fixture(scope="module")
def demo(demo_store: Path) -> Iterator[Store]:
    with Store(demo_store, read_only=True) as store:
        yield store


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_error_reads_swedish_then_english(case: str, demo: Store, tmp_path: Path) -> None:
    trigger, cls, sv, en = CASES[case]
    with pytest.raises(cls) as caught:
        trigger(demo, tmp_path)
    text = str(caught.value)
    assert sv in text and en in text
    assert text.index(sv) < text.index(en), "Swedish comes first"


def test_an_unmatched_label_names_its_file_and_row_in_both_languages() -> None:
    from omradesbild.services.labelled import labelled_observations
    from omradesbild.sources.base import SourceMeta
    from omradesbild.sources.scb_csv import LabelledTable

    data = pd.DataFrame(
        {"label": ["Nowhere (Nope)"], "row": [4], "variable": ["v"], "period": ["2022"],
         "value": [1.0], "unit": ["antal"]}
    )  # fmt: skip
    source = SourceMeta("SCB", "T", "Tabell", "t.csv", "c" * 64)
    areas = pd.DataFrame(
        {"area_code": ["0180R001"], "name": ["Husby"], "kommun_name": ["Stockholm"]}
    )
    table = LabelledTable(source=source, data=data, variables=pd.DataFrame())
    with pytest.raises(InputError) as caught:
        labelled_observations(table, areas)
    assert str(caught.value).startswith(
        "t.csv: rad 4, fältet 'region': etiketten 'Nowhere (Nope)' passar inget RegSO-namn "
        "(regso2020) i datalagret (väntat: 'Kommun (RegSO-namn)' som i SCB:s nyckel"
    )
    assert (
        " / row 4, field 'region': label 'Nowhere (Nope)' matches no RegSO regso2020 name in "
        "the store (expected 'Kommun (RegSO-namn)' as in SCB's key"
    ) in str(caught.value)


#: id -> (arguments, exit code, Swedish, English) on the synthetic city's store (a new store
#: for ``ingest``, which opens it for writing)
CLI_CASES: dict[str, tuple[list[str], int, str, str]] = {
    "query: unknown variable": (
        ["query", "nope", "--period", "2022"],
        3,
        "variabeln 'nope' finns inte i datalagret",
        "variable 'nope' is not in the store",
    ),
    "ingest pxweb: file not found": (
        ["ingest", "pxweb", "nope.json"],
        2,
        "nope.json: filen finns inte (väntat: en befintlig fil)",
        "file not found (expected an existing file)",
    ),
    "fetch: bad --select": (
        ["fetch", "scb", "table", "TAB1", "--select", "Region"],
        2,
        "--select 'Region': väntat VARIABEL=VÄRDE[,VÄRDE…]",
        "--select 'Region': expected VARIABLE=VALUE[,VALUE…]",
    ),
}


@pytest.mark.parametrize("case", list(CLI_CASES), ids=list(CLI_CASES))
def test_command_line_error_reads_swedish_then_english(
    case: str, cli: CliRun, demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, exit_code, sv, en = CLI_CASES[case]
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "new.duckdb" if args[0] == "ingest" else demo_store
    code, _, err = cli([*args, "--db", str(db)])
    line = " ".join(err.split())
    assert code == exit_code, err
    assert sv in line and en in line, err
    assert line.index(sv) < line.index(en)


def test_serve_demo_refuses_an_existing_store(cli: CliRun, tmp_path: Path) -> None:
    db = tmp_path / "mine.duckdb"
    db.write_bytes(b"")
    code, _, err = cli(["serve", "--demo", "--db", str(db)])
    line = " ".join(err.split())
    assert code == 2, err
    assert f"--demo vägras: {db} finns och demon skulle ersätta det" in line
    assert f"--demo is refused: {db} exists and the demo would replace it" in line
