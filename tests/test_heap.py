"""The collector pause of the compile and plan facades puts things back as they were."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler import heap
from reconciler.compiler import compile_dir
from reconciler.errors import SpecError
from reconciler.heap import cycle_collection_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector on, collecting only when asked: an automatic collection between
    two steps of a test (the interpreter's own thresholds, reached by whatever else
    this process holds) would free a cycle the test expects alive."""
    was, thresholds = gc.isenabled(), gc.get_threshold()
    gc.enable()
    gc.set_threshold(10**9, 10**9, 10**9)
    yield
    gc.set_threshold(*thresholds)
    if not was:
        gc.disable()


def test_the_collector_is_paused_inside_and_back_on_after(collector_on: None) -> None:
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_already_off_stays_off(collector_on: None) -> None:
    gc.disable()
    with cycle_collection_paused():
        pass
    assert not gc.isenabled()


def test_a_failing_compile_turns_the_collector_back_on(
    tmp_path: Path, collector_on: None
) -> None:
    (tmp_path / "bad.yaml").write_text("kind: Nope\n", encoding="utf-8")
    with pytest.raises(SpecError):
        compile_dir(tmp_path)
    assert gc.isenabled()


class _Node:
    def __init__(self) -> None:
        self.me: _Node = self


def test_survivors_skip_the_young_scan_and_cycles_are_still_freed(collector_on: None) -> None:
    with cycle_collection_paused():
        kept = frozenset(str(n) for n in range(1000))
        _Node()  # a cycle made while paused: garbage that a full collection frees
    # The block's survivors went straight to the oldest generation: resuming the
    # collector scans none of them (they would be young, and scanned, otherwise).
    assert any(found is kept for found in gc.get_objects(generation=2))
    assert gc.collect() >= 2  # the node and its __dict__


def test_a_full_collection_starts_the_next_block_once_enough_has_been_moved(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(heap, "FULL_COLLECTION_AFTER", 500)
    monkeypatch.setattr(heap, "_survivors", 0)
    monkeypatch.setattr(heap, "_moved", 0)  # not what earlier tests of this process moved
    with cycle_collection_paused():
        node = weakref.ref(_Node())  # garbage already, kept alive by its own cycle
        kept = [[n] for n in range(1000)]
    # Not as the block ends: its result is all in the heap then, and a one-shot
    # command would pay a full collection just before it exits.
    assert node() is not None
    with cycle_collection_paused():
        assert node() is None  # moved past the bound: the next block began by collecting
    assert len(kept) == 1000


def test_the_bound_grows_with_what_survived_the_last_full_collection(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(heap, "FULL_COLLECTION_AFTER", 500)
    monkeypatch.setattr(heap, "_survivors", 0)
    monkeypatch.setattr(heap, "_moved", 0)  # not what earlier tests of this process moved
    with cycle_collection_paused():
        kept = [[n] for n in range(1000)]
    with cycle_collection_paused():  # collects, and counts the heap that survives
        pass
    assert heap._survivors > len(kept)  # this test process's whole heap, at least
    with cycle_collection_paused():
        node = weakref.ref(_Node())
        more = [[n] for n in range(1000)]
    with cycle_collection_paused():
        # 1,000 moved is past FULL_COLLECTION_AFTER but far from the heap's size: a
        # collection now would cost the whole heap for little, so it waits.
        assert node() is not None
    gc.collect()
    assert node() is None and len(more) == 1000


def test_what_was_moved_and_freed_since_calls_for_no_collection(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.collect()
    monkeypatch.setattr(heap, "FULL_COLLECTION_AFTER", 500)
    monkeypatch.setattr(heap, "_survivors", heap._tracked())
    with cycle_collection_paused():
        node = weakref.ref(_Node())
        result = [[n] for n in range(heap._survivors + 1000)]  # an earlier compile's result
    del result  # freed by reference counting: the heap is back to its size
    with cycle_collection_paused():
        # Moved past the bound, but the heap has not grown by as much: a collection
        # would walk all of it for one small cycle, so it waits (and counts afresh).
        assert node() is not None
    assert heap._moved < 500
    gc.collect()
    assert node() is None
