"""scipy.special's ufuncs loaded without the package (``omradesbild._compat``): the same
functions, without numpy's lazy submodules, and the package still imports whole later."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
from omradesbild._compat import special_functions
from omradesbild.indicators.intervals import poisson_exact_interval, wilson_interval
wilson_interval([3, 40], [10, 400])
poisson_exact_interval([0, 2, 7])
f = special_functions()
out = {
    "alone": sorted(m for m in ("scipy.special", "scipy._lib._array_api", "numpy.f2py")
                    if m in sys.modules),
    "values": [float(f.ndtri(0.975)), float(f.gammaincinv(3.5, 0.025)),
               float(f.stdtrit(4, 0.975)), float(f.stdtr(4, -2.5))],
}
import scipy.special
out["same"] = all(getattr(scipy.special, n) is getattr(f, n)
                  for n in ("ndtri", "gammaincinv", "stdtr", "stdtrit"))
out["whole"] = hasattr(scipy.special, "logsumexp") and hasattr(scipy.special, "comb")
print(json.dumps(out))
"""


def test_the_ufuncs_load_alone_and_are_scipy_specials_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    )
    out = json.loads(done.stdout)
    assert out["alone"] == []
    assert out["same"] is True
    assert out["whole"] is True
    from scipy import special

    expected = [
        float(special.ndtri(0.975)),
        float(special.gammaincinv(3.5, 0.025)),
        float(special.stdtrit(4, 0.975)),
        float(special.stdtr(4, -2.5)),
    ]
    assert out["values"] == expected


def test_with_the_package_loaded_its_own_module_is_given() -> None:
    from scipy import special

    from omradesbild._compat import special_functions

    assert special_functions().ndtri is special.ndtri
