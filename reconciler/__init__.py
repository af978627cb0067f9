"""learnops: learning programs as code.

The import package is ``reconciler``; each pipeline stage is a subpackage
(``load -> validate -> resolve -> graph -> plan -> apply``) that hands frozen
data to the next. Only ``reconciler.cli`` prints.
"""

from __future__ import annotations

__version__ = "0.1.0"
