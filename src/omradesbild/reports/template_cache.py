"""The report templates' compiled code, kept between commands.

Jinja compiles a template's source to Python code the first time an environment loads it;
the report site's and the PDF's templates took about a quarter of a second of every fresh
``omradesbild report``. :func:`template_bytecode_cache` keeps that code in the folder of
results kept between commands (:func:`omradesbild.config.cache_dir`, ``templates/``).

Jinja keys each file by the template's file name and checks the checksum of its source
before it uses the code, so an edited template is compiled again, never served stale; the
Python version is part of the stored data too, and the Jinja version is part of each file
name here (its compiler's output may change between releases). The environments that use
this cache are built in one place with the same options (:func:`omradesbild.reports.site._env`).
A cache that cannot be written (a read-only folder) is only slower: the template is
compiled as without it. Compiled code runs as it is loaded, so the folder is created readable
by its owner only and, like the kept results, not used when another user owns it or others
may write to it (:func:`omradesbild.services.disk_cache.trusted`). This module imports Jinja:
only the report environments import it.
"""

from __future__ import annotations

import contextlib

import jinja2

#: The sub-folder of :func:`omradesbild.config.cache_dir` holding the compiled templates.
TEMPLATES_CACHE = "templates"


class _QuietFileSystemCache(jinja2.FileSystemBytecodeCache):
    """:class:`jinja2.FileSystemBytecodeCache` that leaves a template uncached when its code
    cannot be written, instead of failing the command."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_bytecode_cache() -> jinja2.BytecodeCache | None:
    """A cache of compiled templates in ``cache_dir() / "templates"``, or None when no
    folder is kept (``OMRADESBILD_CACHE_DIR=off``), it cannot be created, or it is not
    trusted (another user's, or writable by others).

    Returns
    -------
    jinja2.BytecodeCache or None
        To pass as ``bytecode_cache`` to :class:`jinja2.Environment`.
    """
    from omradesbild.config import cache_dir

    root = cache_dir()
    if root is None:
        return None
    from omradesbild.services.disk_cache import trusted

    folder = root / TEMPLATES_CACHE
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not trusted(folder):  # compiled code is run as it is read: as trusted as a pickle
        return None
    return _QuietFileSystemCache(str(folder), f"jinja2-{jinja2.__version__}-%s.cache")
