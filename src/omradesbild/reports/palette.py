"""The area types' colours as one style sheet, written from the configuration.

The web app serves it at ``/static/area-types.css`` and the report site writes it to
``assets/area-types.css``: the rows of a ranking are edged and the swatches filled with
:data:`~omradesbild.config.AREA_TYPE_COLOURS`, the type's number on a swatch written in
:data:`~omradesbild.config.AREA_TYPE_TEXT_COLOURS` (at least 4.5:1 against its colour).
"""

from __future__ import annotations

from omradesbild.config import AREA_TYPE_COLOURS, AREA_TYPE_TEXT_COLOURS

#: File name of the style sheet (under ``/static/`` on the web, ``assets/`` on the site).
AREA_TYPE_CSS = "area-types.css"

#: A swatch shows its type's number: types are not told apart by colour alone.
_SWATCH = (
    ".swatch { display: inline-block; min-width: 1.6em; height: 1.6em; line-height: 1.6em; "
    "padding: 0 .1em; text-align: center; font-size: .8rem; font-weight: 700; "
    "font-style: normal; vertical-align: middle; border: 1px solid #ffffff; "
    "outline: 1px solid var(--muted); }"
)


def area_type_css() -> str:
    """The style sheet of the area types 1 (largest challenges) … 5.

    Returns
    -------
    str
        Per type ``k``, the first cell of a row ``tr.type-k`` edged in its colour and the
        swatch ``.swatch.type-k`` filled with it; the swatch's own box.
    """
    lines = ["/* Area types 1 (largest challenges) … 5 (omradesbild.config.AREA_TYPE_COLOURS). */"]
    for k, colour in enumerate(AREA_TYPE_COLOURS, start=1):
        lines.append(
            f"tr.type-{k} td:first-child, tr.type-{k} th:first-child "
            f"{{ border-left: 4px solid {colour}; }}"
        )
    lines.append(_SWATCH)
    pairs = zip(AREA_TYPE_COLOURS, AREA_TYPE_TEXT_COLOURS, strict=True)
    for k, (colour, ink) in enumerate(pairs, start=1):
        lines.append(f".swatch.type-{k} {{ background: {colour}; color: {ink}; }}")
    return "\n".join(lines) + "\n"
