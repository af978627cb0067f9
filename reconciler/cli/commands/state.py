"""``learnops state list | show ADDRESS | rm ADDRESS | import ADDRESS ID | mv OLD NEW``:
what learnops manages on a target, as its state store records it (like ``terraform
state``). Edits take the apply lock and raise the state's serial; a DSN's password
is never shown (the store's location is printed without it).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reconciler.apply.lock import ApplyLease, default_holder
from reconciler.apply.state_edits import (
    import_resource,
    move,
    parse_address,
    record_of,
    remove,
)
from reconciler.cli.arguments import add_dir, add_target, seconds
from reconciler.compiler import compile_dir
from reconciler.providers import Lock, read_in_terms_of
from reconciler.state import Record
from reconciler.state.target import Target, open_target


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("state", help="what learnops manages, as its state records it")
    commands = parser.add_subparsers(dest="state_command", metavar="COMMAND")
    commands.required = True

    listing = commands.add_parser("list", help="the addresses the state holds")
    listing.add_argument("--output", choices=("text", "json"), default="text",
                         help="text for people, json for tools")
    _common(listing, _list)

    show = commands.add_parser("show", help="one resource's record")
    show.add_argument("address", metavar="ADDRESS", help="KIND/NAME, e.g. Assignment/hipaa")
    show.add_argument("--output", choices=("text", "json"), default="text",
                      help="text for people, json for tools")
    _common(show, _show)

    rm = commands.add_parser("rm", help="stop managing a resource (the platform keeps it)")
    rm.add_argument("address", metavar="ADDRESS", help="KIND/NAME")
    _common(rm, _rm, edits=True)

    imported = commands.add_parser("import", help="manage a resource already on the platform")
    imported.add_argument("address", metavar="ADDRESS", help="KIND/NAME the code gives it")
    imported.add_argument("platform_id", metavar="ID", help="the platform's id of it")
    _common(imported, _import, edits=True)

    mv = commands.add_parser("mv", help="move a record to a resource renamed in code")
    mv.add_argument("old", metavar="OLD", help="KIND/NAME now")
    mv.add_argument("new", metavar="NEW", help="KIND/NAME in code")
    _common(mv, _mv, edits=True)


def _common(parser: argparse.ArgumentParser, handler: Callable[..., int], *,
            edits: bool = False) -> None:
    add_dir(parser)
    add_target(parser)
    if edits:
        parser.add_argument("--lock-timeout", type=seconds, default=60.0, metavar="DURATION",
                            help="how long to wait for an apply's lock (default: 60s)")
    parser.set_defaults(handler=lambda args: _run(args, handler))


def _run(args: argparse.Namespace, handler: Callable[[argparse.Namespace, Target], int]) -> int:
    desired = compile_dir(Path(args.dir)).state
    target = open_target(desired.project, args.target)
    try:
        # An import records what plan will read: in the same terms, by the same records.
        read_in_terms_of(target.provider, desired,
                         applied=target.state.snapshot().applied_specs(desired))
        return handler(args, target)
    finally:
        target.close()


@contextmanager
def _lease(args: argparse.Namespace, target: Target) -> Iterator[Lock]:
    holder = f"learnops state {args.state_command} ({default_holder()})"
    with ApplyLease(target.state, holder=holder, wait=args.lock_timeout) as lock:
        yield lock


# -- reading ------------------------------------------------------------------------------


def _list(args: argparse.Namespace, target: Target) -> int:
    snapshot = target.state.snapshot()
    addresses = [str(address) for address in sorted(snapshot.records)]
    if args.output == "json":
        print(json.dumps({
            "backend": target.state.backend, "location": target.state.location,
            "lineage": snapshot.lineage, "serial": snapshot.serial, "addresses": addresses,
            "pending": [str(p.address) for p in snapshot.pending],
        }, indent=2))
        return 0
    for address in addresses:
        print(address)
    for pending in snapshot.pending:
        print(f"{pending.address} (pending {pending.action} since {pending.started_at}: "
              "its outcome is settled by the next plan)")
    return 0


def _show(args: argparse.Namespace, target: Target) -> int:
    record = record_of(target.state, parse_address(args.address))
    if args.output == "json":
        print(json.dumps(record.to_json(), indent=2))
        return 0
    lineage, serial = target.state.serial()
    print(_describe(record))
    print(f"state:       {target.state.backend} at {target.state.location} "
          f"(lineage {lineage}, serial {serial})")
    if record.essence is not None:
        print("essence (what learnops applied):")
        for line in json.dumps(record.essence, indent=2, sort_keys=True).splitlines():
            print(f"  {line}")
    return 0


def _describe(record: Record) -> str:
    return "\n".join([
        f"address:     {record.address}",
        f"platform id: {record.platform_id}",
        f"spec hash:   {record.spec_hash or '-'}",
        f"fingerprint: {record.fingerprint or '-'}",
        f"applied at:  {record.applied_at or '-'}",
    ])


# -- editing ------------------------------------------------------------------------------


def _rm(args: argparse.Namespace, target: Target) -> int:
    address = parse_address(args.address)
    with _lease(args, target) as lock:
        remove(target.state, lock, address)
    print(f"Removed {address} from the {target.state.backend} state: learnops no longer "
          "manages it; the platform keeps it.")
    return 0


def _import(args: argparse.Namespace, target: Target) -> int:
    address = parse_address(args.address)
    with _lease(args, target) as lock:
        import_resource(target, lock, address, args.platform_id, time.time)
    print(f"Imported {address} (id {args.platform_id}): learnops manages it from now on; "
          "plan shows what the code changes on it.")
    return 0


def _mv(args: argparse.Namespace, target: Target) -> int:
    old, new = parse_address(args.old), parse_address(args.new)
    with _lease(args, target) as lock:
        move(target, lock, old, new)
    print(f"Moved {old} to {new} in the {target.state.backend} state.")
    return 0
