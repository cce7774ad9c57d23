"""The colours of area types 1 … 5 (``config.AREA_TYPE_COLOURS``): contrast (WCAG 2.1) and
how far apart they are under normal vision and simulated red-green colour blindness."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from omradesbild import config

#: The palette used before: a near-black middle type, ~1:1 against types 1 and 5.
OLD_PALETTE = ("#5c0010", "#e4701e", "#262626", "#3a93cc", "#08254f")

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear sRGB.
PROTANOPIA = np.array(
    [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
     [-0.003882, -0.048116, 1.051998]]
)  # fmt: skip
DEUTERANOPIA = np.array(
    [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
     [-0.011820, 0.042940, 0.968881]]
)  # fmt: skip
_RGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
     [0.0193339, 0.1191920, 0.9503041]]
)  # fmt: skip
_D65 = np.array([0.95047, 1.0, 1.08883])

#: Smallest CIEDE2000 difference between two types the palette must keep, by vision
#: (the palette has 23.8, 21.1 and 18.9; the old one 18.2, 15.7 and 8.5).
MIN_DELTA_E = {"normal": 23.0, "deuteranopia": 20.5, "protanopia": 18.5}


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance."""
    rgb = _rgb(colour)
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab(colour: str, vision: str = "normal") -> np.ndarray:
    """CIELAB (D65) of ``colour`` as seen with ``vision``."""
    lin = _linear(_rgb(colour))
    if vision != "normal":
        matrix = {"deuteranopia": DEUTERANOPIA, "protanopia": PROTANOPIA}[vision]
        lin = np.clip(matrix @ lin, 0, 1)
    xyz = _RGB_TO_XYZ @ lin / _D65
    d = 6 / 29
    f = np.where(xyz > d**3, np.cbrt(xyz), xyz / (3 * d * d) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0 if c1p * c2p == 0 else h2p - h1p
    dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (dc / s_c) * (d_h / s_h)
    )


def min_delta_e(palette: tuple[str, ...], vision: str) -> float:
    return min(
        delta_e_2000(lab(a, vision), lab(b, vision)) for a, b in itertools.combinations(palette, 2)
    )


def test_the_colour_difference_is_ciede2000() -> None:
    """Pairs 1, 2 and 7 of Sharma, Wu & Dalal's test data."""
    pairs = [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ]
    for a, b, expected in pairs:
        assert delta_e_2000(np.array(a), np.array(b)) == pytest.approx(expected, abs=1e-4)
    assert lab("#ffffff") == pytest.approx([100.0, 0.0, 0.0], abs=0.01)
    # A protanope sees pure red much darker than a person with normal vision.
    assert lab("#ff0000", "protanopia")[0] < lab("#ff0000")[0] - 10


def test_every_type_has_contrast_against_white_and_its_neighbours() -> None:
    colours = config.AREA_TYPE_COLOURS
    for c in colours:  # the background and the white borders between areas on a map
        assert contrast(c, "#ffffff") >= 3, c
    for a, b in itertools.pairwise(colours):  # next to each other in the legend
        assert contrast(a, b) >= 3, (a, b)


def test_the_type_number_can_be_read_on_its_swatch() -> None:
    for c, ink in zip(config.AREA_TYPE_COLOURS, config.AREA_TYPE_TEXT_COLOURS, strict=True):
        assert contrast(c, ink) >= 4.5, (c, ink)


def test_the_middle_type_is_a_neutral_grey_no_darker_than_the_ends() -> None:
    one, _, three, _, five = config.AREA_TYPE_COLOURS
    _, a, b = lab(three)
    assert math.hypot(a, b) < 1, three  # grey
    assert luminance(three) >= max(luminance(one), luminance(five))
    # As light as its contrast with types 2 and 4 allows: one step lighter is below 3:1.
    level = int(three[1:3], 16) + 1
    lighter = f"#{level:02x}{level:02x}{level:02x}"
    assert min(contrast(lighter, config.AREA_TYPE_COLOURS[k]) for k in (1, 3)) < 3
    assert luminance(OLD_PALETTE[2]) < luminance(OLD_PALETTE[0])  # the old near-black middle


def test_the_families_of_the_types() -> None:
    """1 red, 2 orange, 4 light blue, 5 dark blue (CIELAB hue angles)."""
    hue = {
        k: math.degrees(math.atan2(lab(c)[2], lab(c)[1])) % 360
        for k, c in enumerate(config.AREA_TYPE_COLOURS, start=1)
    }
    assert 15 <= hue[1] <= 40 and 45 <= hue[2] <= 75
    assert 220 <= hue[4] <= 265 and 265 <= hue[5] <= 305


@pytest.mark.parametrize("vision", sorted(MIN_DELTA_E))
def test_the_types_are_far_apart_also_with_colour_blindness(vision: str) -> None:
    assert min_delta_e(config.AREA_TYPE_COLOURS, vision) >= MIN_DELTA_E[vision]
    # The old palette and one with two nearly equal colours would fail.
    assert min_delta_e(OLD_PALETTE, vision) < MIN_DELTA_E[vision]
    near = (*config.AREA_TYPE_COLOURS[:4], "#4a4a50")  # type 5 almost the grey of type 3
    assert min_delta_e(near, vision) < 5


def test_the_pdf_type_strip_writes_each_number_in_its_ink() -> None:
    import re

    from omradesbild.reports.svg import svg_types

    svg = svg_types([str(y) for y in range(2020, 2025)], [1, 2, 3, 4, 5])
    boxes = re.findall(r'fill="(#[0-9a-f]{6})" stroke=.*?fill="(#[0-9a-f]{6})">(\d)</text>', svg)
    assert boxes == [
        (c, ink, str(k))
        for k, (c, ink) in enumerate(
            zip(config.AREA_TYPE_COLOURS, config.AREA_TYPE_TEXT_COLOURS, strict=True), start=1
        )
    ]
