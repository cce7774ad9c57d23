"""Results kept on disk between commands, under the in-memory service cache.

Some results a command computes do not depend on what it was asked about but only on the
store's content: a one-kommun report needs every RegSO's index components, the country's
references and the national rank intervals, and the next report of another kommun needs the
same ones. :func:`kept` looks such a result up in a folder (``<cache_dir>/results``,
:func:`omradesbild.config.cache_dir`; nothing is kept when that is None) before computing
it, and writes it there afterwards.

Each entry is one file named by a digest of its key: the function's qualified name, its
arguments (:func:`digest`: a deterministic digest of their content, a store by its content
fingerprint, a frame by its values, an index method by its definition), a digest of the
package's own files (:func:`code_digest`, so that an edited checkout never reads results
computed by other code) and :data:`FORMAT_VERSION`. Any write to the store changes its
fingerprint and so every key: the next command computes afresh.

Entries are pickles, written to a temporary file and moved in place (:func:`os.replace`),
so a reader never sees half a file; the folder is created readable by its owner only
(``0o700``). Reading a pickle runs code named in it: the folder is trusted like the
package's own code, and one that another user owns or others may write to is not used. A
missing, unreadable or corrupt entry is computed again and rewritten; a folder that cannot
be written never fails the command (the result is then just not kept). After each write
the folder is kept under :data:`omradesbild.config.CACHE_DIR_MAX_BYTES`, the least
recently used entries removed first (a read marks an entry used).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import pickle
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pandas as pd

from omradesbild.config import CACHE_DIR_MAX_BYTES, cache_dir

P = ParamSpec("P")
R = TypeVar("R")

#: Version of the entries' layout: raise it when the way entries are written changes.
FORMAT_VERSION = 1
#: The subfolder of :func:`omradesbild.config.cache_dir` that holds the entries (the folder
#: itself may hold other caches, e.g. the live clients' HTTP cache).
RESULTS_FOLDER = "results"
#: Suffix of an entry's file.
SUFFIX = ".pickle"
#: Suffix of a file being written (moved to its entry's name when complete).
TEMP_SUFFIX = ".tmp"


def results_dir() -> Path | None:
    """The folder of the entries, or None when nothing is kept on disk."""
    base = cache_dir()
    return None if base is None else base / RESULTS_FOLDER


@functools.cache
def code_digest() -> str:
    """A digest of the package's files (code, catalogue, methods, wording), once per process.

    Every file under the package's folder except compiled bytecode is read, in path order:
    an edited checkout gives another digest, and its results are kept apart.
    """
    root = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(_package_files(root)):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _package_files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if not name.endswith((".pyc", ".pyo")):
                yield Path(folder) / name


class Unkeyable(TypeError):
    """An argument whose content cannot be digested: the result is not kept on disk."""


def digest(value: Any) -> str:
    """A deterministic digest of ``value``'s content (see :func:`_feed`)."""
    h = hashlib.blake2b(digest_size=20)
    _feed(h, value)
    return h.hexdigest()


def _feed(h: Any, value: Any) -> None:
    """Feed ``value`` into ``h``, tagged by its kind.

    Texts, numbers, booleans and None by their ``repr``; tuples and lists item by item; sets
    sorted; dicts by their items sorted by key; frames and series by their columns, dtypes
    and values (:func:`pandas.util.hash_pandas_object`, index included); pydantic models
    (index methods) by their JSON; a :class:`~omradesbild.store.Store` by
    :func:`~omradesbild.services.cache.store_fingerprint`. Anything else raises
    :class:`Unkeyable`.
    """
    from pydantic import BaseModel

    from omradesbild.store import Store

    if value is None or isinstance(value, str | int | float | bool):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, list | tuple):
        h.update(f"seq{len(value)}[".encode())
        for v in value:
            _feed(h, v)
        h.update(b"]")
    elif isinstance(value, set | frozenset):
        h.update(f"set{len(value)}[".encode())
        for v in sorted(value, key=repr):
            _feed(h, v)
        h.update(b"]")
    elif isinstance(value, dict) and _texts(value):
        # e.g. every area's kommun: its sorted items at once (keys are unique)
        h.update(f"textdict{len(value)}:{sorted(value.items())!r};".encode())
    elif isinstance(value, dict):
        h.update(f"dict{len(value)}[".encode())
        for k in sorted(value, key=repr):
            _feed(h, k)
            _feed(h, value[k])
        h.update(b"]")
    elif isinstance(value, pd.DataFrame | pd.Series):
        _feed_frame(h, value)
    elif isinstance(value, BaseModel):
        h.update(f"model:{type(value).__qualname__}:".encode())
        h.update(value.model_dump_json().encode())
    elif isinstance(value, Store):
        from omradesbild.services.cache import store_fingerprint

        h.update(f"store:{store_fingerprint(value)};".encode())
    else:
        raise Unkeyable(f"cannot digest a {type(value).__name__}")


def _texts(mapping: dict[Any, Any]) -> bool:
    """Whether every key of ``mapping`` is a text and every value a text or None."""
    return all(type(k) is str for k in mapping) and all(
        v is None or type(v) is str for v in mapping.values()
    )


def _feed_frame(h: Any, frame: pd.DataFrame | pd.Series) -> None:
    if isinstance(frame, pd.Series):
        h.update(f"series:{frame.name!r}:{frame.dtype};".encode())
    else:
        h.update(f"frame:{list(map(str, frame.columns))!r}:".encode())
        h.update(f"{[str(t) for t in frame.dtypes]!r};".encode())
    h.update(f"{len(frame)}:{frame.index.dtype};".encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())


def entry_key(name: str, args: dict[str, Any]) -> str:
    """The digest naming the entry of ``name(**args)`` (see the module's notes)."""
    return digest((FORMAT_VERSION, code_digest(), name, args))


def kept(name: str, args: dict[str, Any], compute: Callable[[], Any]) -> Any:
    """The result of ``compute()``, read from the folder when kept there under ``name`` and
    ``args``, else computed and written there (see the module's notes)."""
    folder = results_dir()
    if folder is None or not trusted(folder):
        return compute()
    try:
        key = entry_key(name, args)
    except Exception:  # Unkeyable, or a frame whose cells cannot be hashed
        return compute()
    path = folder / f"{key}{SUFFIX}"
    found, value = read(path, key)
    if found:
        return value
    value = compute()
    write(folder, path, key, value)
    return value


def trusted(folder: Path) -> bool:
    """Whether code kept in ``folder`` (pickles here, compiled templates in
    :mod:`omradesbild.reports.template_cache`) may be read and written: it does not exist
    yet, or it is owned by this user and writable by no one else (on systems with owners)."""
    try:
        st = folder.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return True
    return st.st_uid == getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def kept_on_disk(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` with its results kept in the folder (:func:`kept`), keyed by its qualified
    name and its arguments (defaults filled in). For functions whose result depends only on
    their arguments' content (a store's by its fingerprint); a call with an argument that
    cannot be digested (e.g. a callback) is computed and not kept."""
    name = f"{func.__module__}.{func.__qualname__}"
    signature = inspect.signature(func)

    @functools.wraps(func)
    def compute(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return kept(name, dict(bound.arguments), lambda: func(*args, **kwargs))  # type: ignore[no-any-return]

    return compute


def read(path: Path, key: str) -> tuple[bool, Any]:
    """``(True, value)`` of the entry at ``path`` written under ``key``; ``(False, None)``
    when it is missing, unreadable, corrupt or written under another key."""
    try:
        with path.open("rb") as f:
            stored_key, value = pickle.load(f)
    except Exception:
        return False, None
    if stored_key != key:
        return False, None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: the last to be removed when the folder is too large
    return True, value


def write(folder: Path, path: Path, key: str, value: Any) -> None:
    """Write ``value`` to ``path`` atomically; any failure leaves nothing behind."""
    tmp: str | None = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=TEMP_SUFFIX)
        with os.fdopen(fd, "wb") as f:
            pickle.dump((key, value), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        prune(folder)
    except Exception:
        pass  # a result not kept is only computed again
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _entries(folder: Path) -> list[tuple[float, int, Path]]:
    out = []
    for p in folder.glob(f"*{SUFFIX}"):
        with contextlib.suppress(OSError):
            st = p.stat()
            out.append((st.st_mtime, st.st_size, p))
    return sorted(out)


def prune(folder: Path, max_bytes: int = CACHE_DIR_MAX_BYTES) -> None:
    """Remove the least recently used entries until the folder holds at most ``max_bytes``."""
    entries = _entries(folder)
    total = sum(size for _, size, _ in entries)
    for _, size, p in entries:
        if total <= max_bytes:
            break
        with contextlib.suppress(OSError):
            p.unlink()
            total -= size


def clear() -> int:
    """Remove every entry (and left-over temporary file); the number of entries removed."""
    folder = results_dir()
    if folder is None or not folder.is_dir():
        return 0
    n = 0
    for p in [*folder.glob(f"*{SUFFIX}"), *folder.glob(f".*{TEMP_SUFFIX}")]:
        with contextlib.suppress(OSError):
            p.unlink()
            n += p.name.endswith(SUFFIX)
    return n


__all__ = [
    "FORMAT_VERSION",
    "RESULTS_FOLDER",
    "Unkeyable",
    "clear",
    "code_digest",
    "digest",
    "entry_key",
    "kept",
    "kept_on_disk",
    "prune",
    "read",
    "results_dir",
    "trusted",
    "write",
]
