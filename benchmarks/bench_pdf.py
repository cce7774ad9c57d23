"""Benchmark of the A4 PDF profiles (``omradesbild.reports.pdf``); target < 3 s per PDF.

Run: ``python -m benchmarks bench_pdf`` (``--skip-real``, ``--skip-demo``, ``-n``).
Times one PDF (HTML, WeasyPrint layout, writing) on the synthetic city and, when the real
data are present (``$OMRADESBILD_SHARED_DATA`` or ``../shared/data``), on Stockholm's DeSO
2018 (544 areas on the map) and RegSO; then ``n`` PDFs in a row with the shared lookups.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import demo_store, real_store, shared_data_path


def _one(label: str, data: Any, out: Path, n: int) -> None:
    from omradesbild.reports.pdf import PdfProfiles, build_pdfs, render_pdf

    out.mkdir(parents=True, exist_ok=True)
    code = data.profile_codes[0]
    t0 = time.perf_counter()
    html = PdfProfiles(data).html(code)
    t1 = time.perf_counter()
    doc = render_pdf(html)
    t2 = time.perf_counter()
    doc.write_pdf(out / f"{code}-parts.pdf")
    t3 = time.perf_counter()
    path = PdfProfiles(data).write(code, out)  # a fresh object: its lookups included
    t4 = time.perf_counter()
    print(
        f"{label:<28} one PDF: {t4 - t3:5.2f} s  (html {t1 - t0:4.2f}, layout {t2 - t1:4.2f}, "
        f"write {t3 - t2:4.2f})  pages={len(doc.pages)}  size={path.stat().st_size / 1e3:6.0f} kB"
    )
    codes = data.profile_codes[:n]
    res = build_pdfs(data, out / "many", areas=codes)
    print(
        f"{'':<28} {len(codes)} PDFs: {res.seconds:5.1f} s  ({res.seconds_per_pdf:4.2f} s per PDF)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("-n", type=int, default=10, help="PDFs in the batch run (10)")
    args = ap.parse_args()

    from omradesbild.reports.profile import load_site_data
    from omradesbild.store import Store

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not args.skip_demo:
            with Store(demo_store(tmp), read_only=True) as store:
                data = load_site_data(store, level="regso", draws=100)
            _one("demo: Exempelstad RegSO", data, tmp / "pdf-demo", args.n)
        shared = shared_data_path()
        if not args.skip_real and (shared / "README.md").exists():
            db = real_store(tmp)
            with Store(db, read_only=True) as store:
                for label, level in (
                    ("real: Stockholm DeSO 2018", "deso"),
                    ("real: Stockholm RegSO", "regso"),
                ):
                    data = load_site_data(store, level=level, kommun="0180", draws=100)
                    _one(label, data, tmp / f"pdf-{level}", args.n)
        elif not args.skip_real:
            print(f"real data not found at {shared}: skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
