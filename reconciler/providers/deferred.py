"""A resource's ``status``, read from the platform the first time it is looked at.

Its counts (enrollments, learners in progress, audience members) are most of what
reading a resource costs the platform, and a plan looks at them only for what it
changes: a plan that changes nothing reads none. Read later than the spec: learner
activity moves these counts at any time anyway, and no plan is stale for it
(``reconciler.plan.basis``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from reconciler.model import JSON

StatusReader = Callable[[str, str], Mapping[str, JSON]]


class DeferredStatus(Mapping[str, JSON]):
    """``read(kind, name)``, called once, when the status is first looked at."""

    __slots__ = ("_kind", "_name", "_read", "_status")

    def __init__(self, read: StatusReader, kind: str, name: str) -> None:
        self._read, self._kind, self._name = read, kind, name
        self._status: Mapping[str, JSON] | None = None

    def _loaded(self) -> Mapping[str, JSON]:
        if self._status is None:
            self._status = self._read(self._kind, self._name)
        return self._status

    def __getitem__(self, key: str) -> JSON:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        return repr(self._loaded())
