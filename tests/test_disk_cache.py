"""Results kept on disk between commands (:mod:`omradesbild.services.disk_cache`)."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from omradesbild.config import AREA_TYPE_METHOD, CACHE_DIR_ENV, SERVICE_CACHE_ENV
from omradesbild.services import cache, disk_cache
from omradesbild.store import Store

if TYPE_CHECKING:
    from conftest import CliRun


class Counter:
    """A computation that counts its calls."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache folder, set through the environment as a user would."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "kept"))
    return tmp_path / "kept" / disk_cache.RESULTS_FOLDER


@pytest.fixture(autouse=True)
def no_memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing kept in memory: every command here is a fresh one."""
    monkeypatch.setenv(SERVICE_CACHE_ENV, "0")
    cache.clear()
    yield
    cache.clear()


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{disk_cache.SUFFIX}"))


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "area_code": pd.array([f"0180R{i:03d}" for i in range(50)], dtype="str"),
            "value": rng.normal(size=50),
            "note": [None, "x"] * 25,
        }
    )


def test_kept_then_read_back_identical(folder: Path) -> None:
    value = (frame(), {("SE", "2022", "x"): 1.5})
    compute = Counter(value)
    first = disk_cache.kept("f", {"a": 1}, compute)
    assert first is value and compute.calls == 1
    assert len(entries(folder)) == 1
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    again = disk_cache.kept("f", {"a": 1}, compute)
    assert compute.calls == 1  # read, not computed
    pd.testing.assert_frame_equal(again[0], value[0], check_exact=True)
    assert again[0]["value"].to_numpy().tobytes() == value[0]["value"].to_numpy().tobytes()
    assert again[1] == value[1]
    disk_cache.kept("f", {"a": 2}, compute)  # other arguments: another entry
    disk_cache.kept("g", {"a": 1}, compute)  # another function: another entry
    assert compute.calls == 3 and len(entries(folder)) == 3
    assert not list(folder.glob(f".*{disk_cache.TEMP_SUFFIX}"))


def test_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    compute = Counter(1)
    assert disk_cache.kept("f", {}, compute) == disk_cache.kept("f", {}, compute) == 1
    assert compute.calls == 2
    assert disk_cache.results_dir() is None


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05truncated"])
def test_a_corrupt_entry_is_computed_again_and_rewritten(folder: Path, garbage: bytes) -> None:
    compute = Counter([1, 2, 3])
    disk_cache.kept("f", {}, compute)
    [entry] = entries(folder)
    entry.write_bytes(garbage)
    assert disk_cache.kept("f", {}, compute) == [1, 2, 3]
    assert compute.calls == 2
    assert disk_cache.kept("f", {}, compute) == [1, 2, 3]
    assert compute.calls == 2  # rewritten whole


def test_an_entry_of_another_key_is_not_taken(folder: Path) -> None:
    disk_cache.kept("f", {}, Counter("f's"))
    [entry] = entries(folder)
    other = disk_cache.entry_key("g", {})
    shutil.copyfile(entry, folder / f"{other}{disk_cache.SUFFIX}")  # g's name, f's content
    assert disk_cache.kept("g", {}, Counter("g's")) == "g's"


def test_an_unwritable_folder_never_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker))
    compute = Counter(7)
    assert disk_cache.kept("f", {}, compute) == disk_cache.kept("f", {}, compute) == 7
    assert compute.calls == 2
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_folder_others_may_write_is_not_used(folder: Path, mode: int) -> None:
    compute = Counter(1)
    disk_cache.kept("f", {}, compute)
    folder.chmod(mode)
    disk_cache.kept("f", {}, compute)
    disk_cache.kept("g", {}, compute)
    assert compute.calls == 3 and len(entries(folder)) == 1  # neither read nor written
    folder.chmod(0o755)  # others may read, as the user chose: still the user's own
    disk_cache.kept("f", {}, compute)
    assert compute.calls == 3


def test_a_changed_code_digest_misses(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compute = Counter(1)
    disk_cache.kept("f", {}, compute)
    monkeypatch.setattr(disk_cache, "code_digest", lambda: "edited checkout")
    disk_cache.kept("f", {}, compute)
    assert compute.calls == 2 and len(entries(folder)) == 2


def test_code_digest_follows_the_package_files(tmp_path: Path) -> None:
    digest = disk_cache.code_digest()
    assert digest == disk_cache.code_digest() and len(digest) == 32
    files = list(disk_cache._package_files(Path(disk_cache.__file__).parent.parent))
    names = {p.name for p in files}
    assert {"disk_cache.py", "catalogue.yaml", "sv.yaml"} <= names
    assert not any(p.suffix == ".pyc" for p in files)


def test_the_folder_is_bounded_least_recently_used_first(folder: Path) -> None:
    import os

    big = b"x" * 1000
    for n in range(4):
        disk_cache.kept("f", {"n": n}, Counter(big))
    paths = {
        n: folder / f"{disk_cache.entry_key('f', {'n': n})}{disk_cache.SUFFIX}" for n in range(4)
    }
    for n, p in paths.items():
        os.utime(p, (1000 + n, 1000 + n))
    disk_cache.kept("f", {"n": 0}, Counter(big))  # read: used now
    size = paths[0].stat().st_size
    disk_cache.prune(folder, max_bytes=2 * size)
    assert sorted(n for n, p in paths.items() if p.exists()) == [0, 3]


def test_digest_is_by_content() -> None:
    from omradesbild.index import load_method

    a, b = frame(), frame()
    assert disk_cache.digest(a) == disk_cache.digest(b)
    b.loc[3, "value"] += 1e-15
    assert disk_cache.digest(a) != disk_cache.digest(b)
    assert disk_cache.digest(a) != disk_cache.digest(a.astype({"area_code": object}))
    assert disk_cache.digest({1, 2}) == disk_cache.digest(frozenset({2, 1}))
    assert disk_cache.digest((1, "1")) != disk_cache.digest(("1", 1))
    assert disk_cache.digest(1) != disk_cache.digest(1.0) != disk_cache.digest(True)
    method = load_method(AREA_TYPE_METHOD)
    assert disk_cache.digest(method) == disk_cache.digest(load_method(AREA_TYPE_METHOD))
    changed = method.model_copy(update={"version": method.version + "-x"})
    assert disk_cache.digest(method) != disk_cache.digest(changed)
    with pytest.raises(disk_cache.Unkeyable):
        disk_cache.digest(lambda: None)


def test_an_argument_without_a_digest_is_computed_not_kept(folder: Path) -> None:
    calls = []

    @disk_cache.kept_on_disk
    def f(x: int, progress: object = None) -> int:
        calls.append(x)
        return x + 1

    assert f(1) == f(1, None) == 2 and calls == [1]  # defaults filled in: one entry
    assert f(1, progress=print) == f(1, progress=print) == 2 and calls == [1, 1, 1]
    assert len(entries(folder)) == 1


def test_clear(folder: Path) -> None:
    disk_cache.kept("f", {}, Counter(1))
    disk_cache.kept("g", {}, Counter(1))
    (folder / f".left{disk_cache.TEMP_SUFFIX}").write_bytes(b"")
    (folder.parent / "http-cache.sqlite").write_bytes(b"someone else's")
    assert disk_cache.clear() == 2
    assert not list(folder.iterdir())
    assert (folder.parent / "http-cache.sqlite").exists()


# ------------------------------------------------------------------ through a store
def national(store: Store) -> object:
    from omradesbild.index import load_method
    from omradesbild.services.level import components
    from omradesbild.services.level_scope import national_parts

    parts = tuple(sorted(components(load_method(AREA_TYPE_METHOD))))
    return national_parts(store, level="regso", version="regso2020", index_components=parts)


def test_a_write_to_the_store_computes_afresh(
    store_copy: Store, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omradesbild.services import base_counts
    from test_services_cache import revise_one_value

    first = national(store_copy)
    assert len(entries(folder)) == 1
    calls = []
    real = base_counts.compute_base_blocks  # every computation of the base counts

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(base_counts, "compute_base_blocks", counted)
    again = national(store_copy)
    assert calls == []  # read from the folder
    pd.testing.assert_frame_equal(again.index_raw, first.index_raw)  # type: ignore[attr-defined]
    revise_one_value(store_copy)  # an ingest
    after = national(store_copy)
    assert calls == [1] and len(entries(folder)) == 2
    with monkeypatch.context() as m:
        m.setenv(CACHE_DIR_ENV, "off")
        fresh = national(store_copy)
    pd.testing.assert_frame_equal(after.index_raw, fresh.index_raw)  # type: ignore[attr-defined]
    assert after.country == fresh.country  # type: ignore[attr-defined]
    assert after.country != first.country  # type: ignore[attr-defined]


def test_cache_clear_command(folder: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch) -> None:
    disk_cache.kept("f", {}, Counter(1))
    disk_cache.kept("g", {}, Counter(1))
    code, out, _ = cli(["cache", "clear"])
    assert code == 0 and "2" in out and str(folder) in out
    assert not entries(folder)
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    code, out, _ = cli(["cache", "clear"])
    assert code == 0 and "OMRADESBILD_CACHE_DIR=off" in out


def test_a_frame_that_cannot_be_hashed_is_computed_not_kept(folder: Path) -> None:
    cells = pd.DataFrame({"x": [[1, 2], [3]]})  # lists: no hash of their values
    compute = Counter(5)
    assert disk_cache.kept("f", {"frame": cells}, compute) == 5
    assert disk_cache.kept("f", {"frame": cells}, compute) == 5
    assert compute.calls == 2 and not entries(folder)
