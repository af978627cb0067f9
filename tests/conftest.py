"""Settings every test shares: hypothesis is reproducible in CI (a fixed seed, no example
database), and its examples stay bounded per test (each test's own ``max_examples``)."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")
