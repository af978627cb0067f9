"""Contract suites a third-party provider or state backend can run as its own tests:
``from reconciler.testing.state_contract import *`` and a ``target`` fixture
(pytest must be installed)."""
