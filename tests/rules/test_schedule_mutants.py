"""Schedule errors word for word: the cases mutation testing found unchecked."""

from __future__ import annotations

import pytest

from reconciler.rules.schedule import ScheduleError, parse_release


def test_a_release_after_a_step_that_is_not_earlier_lists_the_earlier_steps() -> None:
    step = {"name": "quiz", "release": {"after_step": "later"}}
    with pytest.raises(ScheduleError) as raised:
        parse_release(step, ["basics", "practice"])
    assert raised.value.message == (
        "step 'quiz' releases after 'later', which is not an earlier step "
        "(earlier steps: basics, practice)")


def test_an_unknown_release_names_the_kinds_there_are() -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_release({"name": "quiz", "release": {"when": "soon"}}, ["basics"])
    assert raised.value.message == (
        "step 'quiz': release {'when': 'soon'} is not one of at, offset, date, after_step")
