"""``python -m reconciler`` is the ``learnops`` command."""

from __future__ import annotations

from reconciler.cli.main import run

run()
