"""One sync cycle against a real git repository and the in-process sandbox."""

from __future__ import annotations

from pathlib import Path

from reconciler.apply.executor import StopSignal
from reconciler.sync.metrics import SyncMetrics

from .repo import (
    ALL_ADDRESSES,
    HIPAA,
    SpecRepo,
    audit_after,
    cycle,
    last_audit_id,
    make_syncer,
    resource,
    resource_writes,
    write_behind_learnops,
)


def test_first_cycle_applies_the_branch_and_the_next_is_idle(
    repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    first = cycle(syncer)
    assert first.failure is None
    assert sorted(change.address for change in first.applied) == list(ALL_ADDRESSES)
    assert syncer.status.state == "Synced"
    assert syncer.status.revision == repo.first
    mark = last_audit_id(repo.db)

    second = cycle(syncer)
    assert second.idle
    assert second.applied == ()
    assert audit_after(repo.db, mark) == []
    syncer.close()


def test_a_commit_changing_one_assignment_writes_exactly_that_assignment(
    repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    cycle(syncer)
    mark = last_audit_id(repo.db)
    changed = repo.commit("hipaa: 45 days", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("due: 30d", "due: 45d"),
    })

    report = cycle(syncer)

    assert report.failure is None
    assert [(c.action, c.address) for c in report.applied] == [
        ("update", "Assignment/hipaa-nurses")
    ]
    assert resource_writes(repo.db, mark) == [
        ("learnops", "update", "Assignment", "hipaa-nurses")
    ]
    # Besides that write, only the apply lease was taken and given back.
    assert [e["action"] for e in audit_after(repo.db, mark) if e["kind"] == "Lock"] == [
        "lock", "unlock"
    ]
    assert resource(repo.db, "Assignment", "hipaa-nurses")["spec"]["due"] == "45d"
    assert syncer.status.revision == changed
    assert syncer.status.state == "Synced"
    assert syncer.status.last_applied is not None
    assert syncer.status.last_applied.revision == changed
    syncer.close()


def test_a_bad_commit_is_not_applied_and_the_last_good_revision_stays(
    repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    cycle(syncer)
    mark = last_audit_id(repo.db)
    # Line 6 names an audience that does not exist; the due date changes as well,
    # so applying any of this revision would show on the platform.
    bad = repo.commit("typo", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("due: 30d", "due: 60d").replace(
            "audience: nurses", "audience: nursez"),
    })

    report = cycle(syncer)

    assert report.failure is not None
    assert report.failure.where is not None
    assert report.failure.where.startswith("specs/assignments/hipaa.yaml:6:")
    assert "nursez" in report.failure.message
    assert syncer.status.state == "Failed"
    assert syncer.status.head == bad
    assert syncer.status.revision == repo.first
    assert audit_after(repo.db, mark) == []
    assert resource(repo.db, "Assignment", "hipaa-nurses")["spec"]["due"] == "30d"

    # Nothing moved: the bad revision is not compiled again, the failure stays shown.
    again = cycle(syncer)
    assert again.idle
    assert syncer.status.state == "Failed"

    fixed = repo.commit("fix", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("due: 30d", "due: 60d"),
    })
    report = cycle(syncer)
    assert report.failure is None
    assert syncer.status.revision == fixed
    assert syncer.status.last_error is None
    assert resource(repo.db, "Assignment", "hipaa-nurses")["spec"]["due"] == "60d"
    syncer.close()


def test_drift_is_only_reported_without_self_heal(repo: SpecRepo, workdir: Path) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    cycle(syncer)
    write_behind_learnops(repo.db, "Assignment", "privacy-nurses", due="7d")
    mark = last_audit_id(repo.db)

    report = cycle(syncer)

    assert not report.idle
    assert report.applied == ()
    assert syncer.status.drifted == ("Assignment/privacy-nurses",)
    assert syncer.status.state == "OutOfSync"
    assert audit_after(repo.db, mark) == []
    assert resource(repo.db, "Assignment", "privacy-nurses")["spec"]["due"] == "7d"
    syncer.close()


def test_drift_is_reverted_with_self_heal(repo: SpecRepo, workdir: Path) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True, self_heal=True)
    cycle(syncer)
    write_behind_learnops(repo.db, "Assignment", "privacy-nurses", due="7d")
    mark = last_audit_id(repo.db)

    report = cycle(syncer)

    assert [(c.action, c.address) for c in report.applied] == [
        ("update", "Assignment/privacy-nurses")
    ]
    assert resource(repo.db, "Assignment", "privacy-nurses")["spec"]["due"] == "14d"
    assert resource_writes(repo.db, mark) == [
        ("learnops", "update", "Assignment", "privacy-nurses")
    ]
    assert syncer.status.drifted == ()
    assert syncer.status.state == "Synced"
    syncer.close()


def test_a_removal_is_held_without_prune_and_let_through_with_it(
    repo: SpecRepo, workdir: Path, tmp_path: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    cycle(syncer)
    repo.remove("specs/assignments/privacy.yaml")
    repo.commit("privacy training ends")
    mark = last_audit_id(repo.db)

    report = cycle(syncer)

    assert report.failure is None
    assert report.applied == ()
    assert syncer.status.held_removals == ("Assignment/privacy-nurses",)
    assert syncer.status.state == "OutOfSync"
    assert resource(repo.db, "Assignment", "privacy-nurses")["spec"]["active"] is True
    assert audit_after(repo.db, mark) == []
    syncer.close()

    pruning = make_syncer(repo, tmp_path / "other-copy", auto_apply=True, prune=True)
    report = cycle(pruning)
    assert [(c.action, c.address) for c in report.applied] == [
        ("inactivate", "Assignment/privacy-nurses")
    ]
    assert resource(repo.db, "Assignment", "privacy-nurses")["spec"]["active"] is False
    assert pruning.status.state == "Synced"
    pruning.close()


def test_without_auto_apply_changes_are_planned_and_reported_not_made(
    repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir)

    report = cycle(syncer)

    assert report.failure is None
    assert report.applied == ()
    assert syncer.status.state == "OutOfSync"
    assert sorted(syncer.status.pending) == list(ALL_ADDRESSES)
    assert audit_after(repo.db, 0) != []  # the directory was imported: the platform is there
    assert resource_writes(repo.db) == []
    syncer.close()


def test_a_stopped_cycle_writes_nothing(repo: SpecRepo, workdir: Path) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    stop = StopSignal()
    stop.stop("stopped by SIGTERM")

    report = syncer.cycle(stop)

    assert report.failure is not None
    assert syncer.status.revision is None
    assert resource_writes(repo.db) == []
    # The next cycle picks the revision up as if nothing had happened.
    assert cycle(syncer).failure is None
    assert syncer.status.state == "Synced"
    syncer.close()


def test_a_plan_error_is_a_failure_and_nothing_is_applied(repo: SpecRepo, workdir: Path) -> None:
    # An unmanaged resource of the same name is a conflict: the whole revision waits.
    from reconciler_sandbox.engine import Platform

    repo.db.parent.mkdir(parents=True, exist_ok=True)
    platform = Platform(repo.db)
    platform.put_resource(
        "Audience", "nurses", {"metadata": {"labels": {}, "annotations": {}},
                               "spec": {"groups": ["nursing"]}},
        if_none_match=True, actor="someone")
    platform.close()
    syncer = make_syncer(repo, workdir, auto_apply=True)

    report = cycle(syncer)

    assert report.failure is not None
    assert report.failure.where is not None
    assert report.failure.where.startswith("specs/objects.yaml:")
    assert syncer.status.state == "Failed"
    assert [write for write in resource_writes(repo.db) if write[0] == "learnops"] == []
    syncer.close()


def test_without_auto_apply_drift_is_reported_as_drift(repo: SpecRepo, workdir: Path) -> None:
    applying = make_syncer(repo, workdir, auto_apply=True)
    cycle(applying)
    applying.close()
    write_behind_learnops(repo.db, "Audience", "nurses", groups=["physicians"])
    watching = make_syncer(repo, workdir, self_heal=True)

    cycle(watching)

    assert watching.status.drifted == ("Audience/nurses",)
    assert watching.status.pending == ("Audience/nurses",)
    assert resource(repo.db, "Audience", "nurses")["spec"]["groups"] == ["physicians"]
    watching.close()


def _commit_bad_reference(repo: SpecRepo) -> str:
    """Line 6 names an audience that does not exist; the due date changes too."""
    return repo.commit("typo", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("due: 30d", "due: 60d").replace(
            "audience: nurses", "audience: nursez"),
    })


def test_drift_under_a_bad_head_is_reported_against_the_last_good_revision(
    repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    metrics = SyncMetrics()
    metrics(cycle(syncer))
    bad = _commit_bad_reference(repo)
    metrics(cycle(syncer))
    assert syncer.status.state == "Failed"
    write_behind_learnops(repo.db, "Assignment", "privacy-nurses", due="7d")
    mark = last_audit_id(repo.db)

    report = cycle(syncer)
    metrics(report)

    assert not report.idle
    assert syncer.status.drifted == ("Assignment/privacy-nurses",)
    assert metrics.registry.get_sample_value("learnops_sync_drifted_resources") == 1
    assert syncer.status.state == "Failed"
    assert syncer.status.head == bad
    assert syncer.status.revision == repo.first
    assert syncer.status.last_error is not None
    assert "nursez" in syncer.status.last_error.message
    assert audit_after(repo.db, mark) == []  # reported, not reverted (no self-heal)
    # Nothing moved since: the next cycle is idle and the drift stays shown.
    again = cycle(syncer)
    assert again.idle
    assert syncer.status.drifted == ("Assignment/privacy-nurses",)
    syncer.close()


def test_drift_under_a_bad_head_is_reverted_with_self_heal(
    repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True, self_heal=True)
    cycle(syncer)
    _commit_bad_reference(repo)
    cycle(syncer)
    write_behind_learnops(repo.db, "Assignment", "privacy-nurses", due="7d")
    mark = last_audit_id(repo.db)

    report = cycle(syncer)

    assert [(c.action, c.address) for c in report.applied] == [
        ("update", "Assignment/privacy-nurses")
    ]
    assert resource_writes(repo.db, mark) == [
        ("learnops", "update", "Assignment", "privacy-nurses")
    ]
    assert resource(repo.db, "Assignment", "privacy-nurses")["spec"]["due"] == "14d"
    # The bad revision itself is still not applied, and the failure stays shown.
    assert resource(repo.db, "Assignment", "hipaa-nurses")["spec"]["due"] == "30d"
    assert syncer.status.drifted == ()
    assert syncer.status.state == "Failed"
    assert report.failure is not None and "nursez" in report.failure.message
    syncer.close()


def test_the_last_successful_sync_is_a_timestamp_metric(repo: SpecRepo, workdir: Path) -> None:
    """How a stuck sync is alerted on: time() - the gauge grows while cycles fail."""
    from datetime import datetime

    syncer = make_syncer(repo, workdir, auto_apply=True)
    metrics = SyncMetrics()
    gauge = "learnops_sync_last_success_timestamp_seconds"
    assert metrics.registry.get_sample_value(gauge) == 0  # never synced yet
    metrics(cycle(syncer))
    synced = syncer.status.last_success_at
    assert synced is not None
    stamp = datetime.fromisoformat(synced.replace("Z", "+00:00")).timestamp()
    assert metrics.registry.get_sample_value(gauge) == stamp
    _commit_bad_reference(repo)
    failed = cycle(syncer)
    metrics(failed)
    assert failed.failure is not None
    assert metrics.registry.get_sample_value(gauge) == stamp  # a failure does not move it
    assert f"{gauge} " in metrics.exposition().decode()
    syncer.close()


def test_status_recovers_when_a_deleted_branch_is_restored(
    repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    assert cycle(syncer).failure is None
    repo._git("branch", "-m", "main", "parked")  # the branch is gone from the remote
    gone = cycle(syncer)
    assert gone.failure is not None and "does not exist" in gone.failure.message
    assert syncer.status.state == "Failed"

    repo._git("branch", "-m", "parked", "main")  # restored, at the same commit
    back = cycle(syncer)

    assert back.failure is None
    assert syncer.status.state == "Synced"
    assert syncer.status.last_error is None
    assert syncer.status.to_json()["last_error"] is None
    syncer.close()
