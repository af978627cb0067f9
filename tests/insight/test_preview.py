"""A plan's schedule for one enrollment day: fixed releases and after_step windows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.insight.preview import preview

from .insight_kit import plan, state_of

START = date(2027, 1, 4)
CHAIN = plan("chain", """  title: Chain
  steps:
    - {name: first, items: [intro], due: 10d}
    - {name: second, items: [deep-dive], release: {after_step: first, delay: 2d}, due: 5d}
    - {name: third, items: [quiz], release: {after_step: second}}
    - {name: open, items: [quiz], release: {date: 2026-06-01}, required: false}
""")


def test_after_step_chains_show_earliest_and_latest_release(tmp_path: Path) -> None:
    steps = preview("chain", state_of(tmp_path, CHAIN), START).steps
    first, second, third, opened = steps
    assert (first.earliest_release, first.latest_release, first.due_earliest) == (
        START, START, date(2027, 1, 14))
    # Earliest: first completed on release day (+2d); latest: on its due date (+2d).
    assert (second.earliest_release, second.latest_release) == (
        date(2027, 1, 6), date(2027, 1, 16))
    assert (second.due_earliest, second.due_latest) == (date(2027, 1, 11), date(2027, 1, 21))
    assert second.rule == "2 days after first is completed"
    # The chain carries on: third waits for second, with no delay.
    assert (third.earliest_release, third.latest_release) == (
        date(2027, 1, 6), date(2027, 1, 21))
    assert third.rule == "when second is completed"
    # A date already past releases at enrollment.
    assert (opened.earliest_release, opened.fixed, opened.required) == (START, True, False)


def test_a_step_after_one_without_due_date_has_no_latest_release(tmp_path: Path) -> None:
    state = state_of(tmp_path, plan("open-ended", """  title: Open ended
  steps:
    - {name: first, items: [intro]}
    - {name: second, items: [quiz], release: {after_step: first, delay: 1w}, due: 3d}
"""))
    second = preview("open-ended", state, START).steps[1]
    assert second.earliest_release == date(2027, 1, 11)
    assert second.latest_release is None and second.due_latest is None


def test_an_unknown_plan_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="did you mean 'chain'"):
        preview("chian", state_of(tmp_path, CHAIN), START)


def test_the_certificate_says_where_a_renewal_runs_from(tmp_path: Path) -> None:
    renewing = plan("renewing", """  title: Renewing
  steps:
    - {name: first, items: [intro], due: 10d}
    - {name: second, items: [quiz], release: {offset: 7d}}
  certificate: {template: t, valid_for: 1y, renew_before: 30d, renew_from: expiry}
""")
    certificate = preview("renewing", state_of(tmp_path, renewing), START).certificate
    assert certificate is not None
    assert (certificate.renew_from, certificate.earliest_completion) == (
        "expiry", date(2027, 1, 11))
    assert (certificate.dates.expires, certificate.dates.renew_from) == (
        date(2028, 1, 11), date(2027, 12, 12))
    assert preview("chain", state_of(tmp_path, CHAIN), START).certificate is None
