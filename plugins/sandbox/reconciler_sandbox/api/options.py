"""How a sandbox server behaves beyond DESIGN §7: limits, and faults for resilience tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.errors import ConfigError
from reconciler_sandbox.engine import MAX_PAGE


@dataclass(frozen=True)
class FaultOptions:
    """Faults a real network and a busy platform produce, injected on purpose so tests can
    show that apply recovers. Rates are fractions (0..1); ``seed`` makes a run repeatable.

    ``fail_rate`` and ``reset_rate`` hit resource writes only (PUT, DELETE and
    ``:inactivate`` on the four collections): those are what an apply retries with an
    idempotency key. Half of the hits happen before the engine is touched, half after it
    committed, so a client also meets the "lost response" case. ``latency`` and
    ``burst429`` apply to every request."""

    fail_rate: float = 0.0
    latency: float = 0.0
    reset_rate: float = 0.0
    burst429: int = 0  # every Nth request is answered 429; 0: never
    retry_after: int = 1  # seconds, for the injected 429s
    seed: int | None = None

    def __post_init__(self) -> None:
        for name, rate in (("fail rate", self.fail_rate), ("reset rate", self.reset_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ConfigError(f"the {name} must be between 0 and 1, not {rate}")
        if self.fail_rate + self.reset_rate > 1.0:
            raise ConfigError("the fail rate and the reset rate add up to more than 1")
        if self.latency < 0:
            raise ConfigError(f"latency must not be negative, not {self.latency}")
        if self.burst429 < 0:
            raise ConfigError(f"the 429 burst interval must not be negative, not {self.burst429}")
        if self.retry_after < 0:
            raise ConfigError(f"Retry-After must not be negative, not {self.retry_after}")

    @property
    def active(self) -> bool:
        return bool(self.fail_rate or self.latency or self.reset_rate or self.burst429)


@dataclass(frozen=True)
class ApiOptions:
    """``rate_limit`` is requests per second per caller (its token, else its address);
    ``None`` turns it off; past 10,000 callers, those whose bucket has refilled are
    forgotten (memory stays bounded whatever tokens clients send). ``max_body_bytes``
    answers larger requests 413."""

    max_body_bytes: int = 1024 * 1024
    rate_limit: float | None = None
    max_page_size: int = MAX_PAGE  # what the rest provider asks for: one request a page
    default_page_size: int = 100
    faults: FaultOptions = field(default_factory=FaultOptions)

    def __post_init__(self) -> None:
        if self.max_body_bytes <= 0:
            raise ConfigError(f"the body size limit must be positive, not {self.max_body_bytes}")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ConfigError(f"the rate limit must be positive, not {self.rate_limit}")
        if not 1 <= self.max_page_size <= MAX_PAGE:
            raise ConfigError(f"the page size limit must be between 1 and {MAX_PAGE}")
        if not 1 <= self.default_page_size <= self.max_page_size:
            raise ConfigError("the default page size must be between 1 and the maximum")
