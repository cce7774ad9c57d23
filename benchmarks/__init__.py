"""Performance benchmarks: run all with ``python -m benchmarks`` (prints figures)."""
