"""Kolibri's objects as learnops resources, and learnops specs as Kolibri bodies.

The mapping (README "Kolibri"):
- ``LearningObject/NAME`` (``existing: true`` only) is a content node, found by its
  content id (``NAME`` = the 32 hex digits) or by its title (``NAME`` = the title
  as a name: "HIPAA Basics" is ``hipaa-basics``), within the configured channel.
- ``Audience/NAME`` is the learner group ``NAME`` of the learnops classroom.
- ``Assignment/NAME`` is the lesson titled ``NAME``: its objects as resources, the
  audience's group as its recipients; the spec's title is the lesson's description.
- ``CertificationPlan/NAME`` is one lesson per step, titled ``NAME: STEP``, handed to
  learners one by one as their steps are released.

Kolibri keeps no versions and no room for learnops' metadata: what a resource looks
like on Kolibri is summed up in a fingerprint (the hash of the Kolibri fields learnops
writes), which the state store keeps to tell drift from learnops' own writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from reconciler.errors import InvalidRequest, PermanentError
from reconciler.model import JSON, Address, content_hash
from reconciler.providers import LiveResource
from reconciler.rules.assignment import assignment_items, is_active
from reconciler_kolibri.platform import Group, Lesson, Node, Snapshot
from reconciler_kolibri.terms import NO_TERMS, AsApplied, Terms

NAME: Final = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
STEP_SEPARATOR: Final = ": "
STEP_TITLE_SEPARATOR: Final = " — "  # between the plan's title and the step in a description
MAX_TITLE: Final = 50  # Kolibri's limit on a lesson title
MAX_DESCRIPTION: Final = 200
# Kolibri content kinds as learnops object types.
OBJECT_TYPES: Final[Mapping[str, str]] = {
    "video": "video", "audio": "video", "document": "document", "exercise": "assessment",
    "html5": "scorm", "h5p": "scorm", "slideshow": "document", "bloompub": "document",
    "quiz": "assessment",
}


def name_of_title(title: str) -> str:
    """A title as a learnops name: lower case, runs of other characters as one dash."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:63].rstrip("-")


def catalog(nodes: Iterable[Node]) -> dict[str, Node]:
    """Content nodes by the names a LearningObject may use: the content id always, the
    title's name when no other resource of the channel has the same one."""
    named: dict[str, Node] = {}
    by_title: dict[str, list[Node]] = {}
    for node in nodes:
        named.setdefault(node.content_id, node)  # a copy in another place is one resource
        by_title.setdefault(name_of_title(node.title), []).append(node)
    for name, found in by_title.items():
        if NAME.match(name) and len({n.content_id for n in found}) == 1:
            named.setdefault(name, found[0])
    return named


def step_title(plan: str, step: str) -> str:
    return f"{plan}{STEP_SEPARATOR}{step}"


def fingerprint(value: JSON) -> str:
    return content_hash(value)


# -- reading: Kolibri -> learnops --------------------------------------------------------


def live_resources(snapshot: Snapshot, kinds: Sequence[str], terms: Terms = NO_TERMS,
                   applied: AsApplied | None = None) -> list[LiveResource]:
    """Kolibri's objects as learnops resources, in ``terms`` (:mod:`reconciler_kolibri.terms`);
    what Kolibri keeps nowhere (an assignment's plans, the order of a plan's steps) as
    ``applied`` says (none given: no plans, steps in the order their lessons were made)."""
    applied = AsApplied() if applied is None else applied
    found: list[LiveResource] = []
    names = catalog(snapshot.nodes)
    by_node = canonical_names(names)
    step_lessons = plan_lessons(snapshot)
    plans = {terms.name_of("CertificationPlan", name) for name in step_lessons}
    audience_names = {g.id: terms.name_of("Audience", g.name) for g in snapshot.groups.values()}
    usernames = {a.id: a.username for a in snapshot.accounts.values()}
    for kind in kinds:
        match kind:
            case "LearningObject":
                found.extend(_object(name, node) for name, node in sorted(names.items()))
            case "Audience":
                found.extend(_audience(group, usernames)
                             for name, group in sorted(snapshot.groups.items())
                             if NAME.match(name))
            case "Assignment":
                found.extend(
                    _assignment(lesson, terms.naming(Address("Assignment", title), by_node),
                                _plans_held(title, terms, applied, plans),
                                snapshot.groups.get(applied.audience(
                                    terms.name_of("Assignment", title)) or ""),
                                snapshot, audience_names, usernames)
                    for title, lesson in sorted(snapshot.lessons.items())
                    if NAME.match(title))
            case "CertificationPlan":
                found.extend(
                    _plan(plan, _in_applied_order(
                              steps, applied.steps(terms.name_of("CertificationPlan", plan))),
                          terms.naming(Address("CertificationPlan", plan), by_node), usernames)
                    for plan, steps in sorted(step_lessons.items()))
    return found


def _plans_held(title: str, terms: Terms, applied: AsApplied,
                with_lessons: Iterable[str]) -> list[str]:
    """The applied plans of the lesson titled ``title`` that have lessons on Kolibri, by
    their new names where a rename is planned (a plan moved by ``state mv`` is the same)."""
    named = (terms.name_of("CertificationPlan", p)
             for p in applied.plans(terms.name_of("Assignment", title)))
    return [p for p in named if p in with_lessons]


def _in_applied_order(steps: list[tuple[str, Lesson]],
                      order: Sequence[str]) -> list[tuple[str, Lesson]]:
    """A plan's step lessons in its applied spec's step order (Kolibri keeps none: a step
    added, or made anew, has the newest lesson wherever it stands); any other after."""
    place = {name: index for index, name in enumerate(order)}
    return sorted(steps, key=lambda step: place.get(step[0], len(place)))


def plan_lessons(snapshot: Snapshot) -> dict[str, list[tuple[str, Lesson]]]:
    """Step lessons by plan name, in the order they were made (the plan's step order)."""
    plans: dict[str, list[tuple[str, Lesson]]] = {}
    for title, lesson in sorted(snapshot.lessons.items(), key=lambda i: i[1].created):
        plan, separator, step = title.partition(STEP_SEPARATOR)
        if separator and NAME.match(plan):
            plans.setdefault(plan, []).append((step, lesson))
    return plans


def _object(name: str, node: Node) -> LiveResource:
    spec: dict[str, JSON] = {
        "title": node.title, "type": OBJECT_TYPES.get(node.kind, "document"),
        "languages": [node.lang] if node.lang else [], "completion": {"type": "view"},
        "prerequisites": [], "existing": True,
    }
    return LiveResource(
        address=Address("LearningObject", name), spec=spec, platform_id=node.id,
        status={"kolibri_id": node.id, "content_id": node.content_id,
                "channel_id": node.channel_id, "kind": node.kind,
                "fingerprint": fingerprint(spec)},
    )


def audience_spec(members: Iterable[str]) -> dict[str, JSON]:
    """What Kolibri holds of an audience: a static list of people."""
    return {"users": sorted(members), "groups": [], "include": [], "where": {}, "exclude": []}


def assignment_spec(title: str, plans: Iterable[str], objects: Iterable[str], audience: JSON,
                    active: bool) -> dict[str, JSON]:
    """What Kolibri holds of an assignment: its lesson, and the plans whose step lessons
    ``learnops release`` hands its learners (plans first, then the lesson's objects)."""
    items: list[JSON] = [{"plan": p} for p in plans]
    items.extend({"object": o} for o in objects)
    return {"title": title[:MAX_DESCRIPTION], "items": items, "audience": audience,
            "active": active}


def plan_spec(title: str, steps: Iterable[tuple[str, list[str]]]) -> dict[str, JSON]:
    """What Kolibri holds of a certification plan: its steps' names and items."""
    return {"title": title, "steps": [{"name": name, "items": items} for name, items in steps]}


def canonical_names(names: Mapping[str, Node]) -> dict[str, str]:
    """Node id -> the name learnops reads it back as (a title's name reads better than
    a content id, so it wins where there is one)."""
    by_node: dict[str, str] = {}
    for name, node in sorted(names.items(), key=lambda item: (len(item[0]) == 32, item[0])):
        by_node.setdefault(node.id, name)
    return by_node


def read_back(items: Iterable[str], names: Mapping[str, Node],
              naming: Mapping[str, str]) -> list[str]:
    """Object names as Kolibri reads them back with ``naming`` (node id -> name);
    unknown ones as written."""
    return [naming.get(names[i].id, i) if i in names else i for i in items]


def _audience(group: Group, usernames: Mapping[str, str]) -> LiveResource:
    members = sorted(usernames.get(u, u) for u in group.user_ids)
    platform: dict[str, JSON] = {"name": group.name, "members": members}
    return LiveResource(
        address=Address("Audience", group.name), spec=audience_spec(members),
        platform_id=group.id,
        status={"kolibri_id": group.id, "members": len(members),
                "fingerprint": fingerprint(platform)},
    )


def _object_names(lesson: Lesson, naming: Mapping[str, str]) -> list[str]:
    return [naming.get(node_id, node_id) for node_id in lesson.node_ids]


def lesson_essence(lesson: Lesson) -> dict[str, JSON]:
    """The Kolibri fields learnops writes (its fingerprint's input)."""
    return {"title": lesson.title, "description": lesson.description,
            "resources": list(lesson.node_ids), "active": lesson.active,
            "groups": sorted(lesson.group_ids)}


def reached_by(lesson: Lesson, snapshot: Snapshot) -> frozenset[str]:
    """The learners (account ids) Kolibri counts as assigned ``lesson``, as its own
    ``Lesson.get_all_learners`` does: those assigned one by one and every member of each
    group, or of the whole classroom (a coach's doing), the lesson is assigned to."""
    reached = set(lesson.learner_ids)
    for group in snapshot.groups.values():
        if group.id in lesson.group_ids:
            reached |= group.user_ids
    if snapshot.classroom_id is not None and snapshot.classroom_id in lesson.group_ids:
        reached |= snapshot.classroom_members
    return frozenset(reached)


def assigned_audience(lesson: Lesson, snapshot: Snapshot, reached: frozenset[str],
                      audience_names: Mapping[str, str], usernames: Mapping[str, str]) -> JSON:
    """The audience ``lesson`` (reaching ``reached``: account ids) reads back as: the
    name of the one learner group learnops gives it to. Given to more in Kolibri (a
    coach's doing: another group, the whole class, learners one by one), an inline
    audience of exactly whom it reaches: the audiences of its groups, and by name
    everyone else it reaches; so the live spec differs from the one applied (drift),
    and the plan says who the apply putting it back takes it from."""
    groups = [g for g in snapshot.groups.values() if g.id in lesson.group_ids]
    named = [g for g in groups if NAME.match(g.name)]  # the groups that are audiences
    if not lesson.learner_ids and len(named) == len(lesson.group_ids) <= 1:
        return audience_names[named[0].id] if named else ""
    by_name = frozenset().union(*(g.user_ids for g in named))
    audience: dict[str, JSON] = {}
    if named:
        audience["include"] = sorted(audience_names[g.id] for g in named)
    others = sorted(usernames.get(u, u) for u in reached - by_name)
    if others:
        audience["users"] = list(others)
    return audience


def _assignment(lesson: Lesson, naming: Mapping[str, str], plans: Sequence[str],
                releasing: Group | None, snapshot: Snapshot,
                audience_names: Mapping[str, str], usernames: Mapping[str, str]) -> LiveResource:
    """``releasing``: the group of the audience it was applied with, whose members
    ``learnops release`` hands its plans' steps to (the lesson's reach aside)."""
    reached_ids = reached_by(lesson, snapshot)
    reached = sorted(usernames.get(u, u) for u in reached_ids)
    spec = assignment_spec(lesson.description, plans, _object_names(lesson, naming),
                           assigned_audience(lesson, snapshot, reached_ids, audience_names,
                                             usernames),
                           lesson.active)
    return LiveResource(
        address=Address("Assignment", lesson.title), spec=spec, platform_id=lesson.id,
        # Kolibri enrolls a learner in an assignment once, in its lesson (no record per
        # item): its enrollments are its learners, and the plan says "N learners enrolled".
        # ``reached``: who the lesson reaches now, whoever gave it to them; its plans only
        # the learners release hands their steps to (the plan's "before" side:
        # reconciler.plan.impact).
        status={"kolibri_id": lesson.id, "active": lesson.active,
                "enrolled": len(reached), "learners": len(reached),
                "reached": list(reached), **_plan_holders(plans, releasing, usernames),
                "fingerprint": fingerprint(lesson_essence(lesson))},
    )


def _plan_holders(plans: Sequence[str], releasing: Group | None,
                  usernames: Mapping[str, str]) -> dict[str, JSON]:
    if releasing is None or not plans:
        return {}
    holders: list[JSON] = sorted(usernames.get(u, u) for u in releasing.user_ids)
    return {"reached_items": {"plan": {plan: list(holders) for plan in plans}}}


def _plan(plan: str, steps: list[tuple[str, Lesson]], naming: Mapping[str, str],
          usernames: Mapping[str, str]) -> LiveResource:
    title = steps[0][1].description.rpartition(STEP_TITLE_SEPARATOR)[0] if steps else ""
    spec = plan_spec(title, [(step, _object_names(lesson, naming)) for step, lesson in steps])
    # Releases add learners to step lessons: that is progress, not a change to the plan.
    essence = [{k: v for k, v in lesson_essence(lesson).items() if k != "groups"}
               for _, lesson in steps]
    return LiveResource(
        address=Address("CertificationPlan", plan), spec=spec,
        platform_id=",".join(lesson.id for _, lesson in steps),
        status={"kolibri_ids": [lesson.id for _, lesson in steps],
                "released": {step: sorted(usernames.get(u, u) for u in lesson.learner_ids)
                             for step, lesson in steps},
                "fingerprint": fingerprint(essence)},
    )


# -- writing: learnops -> Kolibri --------------------------------------------------------


def resources(items: Iterable[str], snapshot: Snapshot, where: str) -> list[dict[str, str]]:
    """Lesson resources for learnops object names; an unknown name is refused."""
    names = catalog(snapshot.nodes)
    out = []
    for item in items:
        node = names.get(item)
        if node is None:
            raise InvalidRequest(
                f"LearningObject/{item} is no content node of the channel (by title or "
                "content id): learnops never creates Kolibri content", where=where)
        out.append(node.resource())
    return out


def checked_title(title: str, where: str) -> str:
    if len(title) > MAX_TITLE:
        raise PermanentError(
            f"Kolibri lesson titles hold at most {MAX_TITLE} characters; '{title}' has "
            f"{len(title)} (shorten the name)", where=where)
    return title


def assignment_body(name: str, spec: Mapping[str, JSON], snapshot: Snapshot,
                    classroom_id: str, existing: Lesson | None) -> dict[str, JSON]:
    where = f"Assignment/{name}"
    audience = spec.get("audience")
    group = snapshot.groups.get(audience) if isinstance(audience, str) else None
    if group is None:
        raise InvalidRequest(f"its audience Audience/{audience} has no learner group on "
                             "Kolibri yet", where=where)
    objects = [item.name for item in assignment_items(spec) if item.kind == "object"]
    # A dated start is switched on by ``learnops release`` on its day, then kept on.
    started = spec.get("start", "immediately") == "immediately" or (
        existing is not None and existing.active)
    title = spec.get("title")
    return {
        "title": checked_title(name, where),
        "description": (title if isinstance(title, str) else "")[:MAX_DESCRIPTION],
        "resources": list(resources(objects, snapshot, where)),
        "active": is_active(spec) and started,
        "collection": classroom_id,
        # Its audience's group alone: a class, group or learners a coach gave it to in
        # Kolibri lose it, as the plan of that drift says (assigned_audience).
        "assignments": [group.id],
        "learner_ids": [],
    }


def step_body(plan: str, plan_title: str, step: Mapping[str, JSON], snapshot: Snapshot,
              classroom_id: str) -> dict[str, JSON]:
    step_name = str(step.get("name"))
    where = f"CertificationPlan/{plan}"
    items = [str(i) for i in step.get("items", []) if isinstance(i, str)] if isinstance(
        step.get("items"), list) else []
    return {
        "title": checked_title(step_title(plan, step_name), where),
        "description": f"{plan_title}{STEP_TITLE_SEPARATOR}{step_name}"[:MAX_DESCRIPTION],
        "resources": list(resources(items, snapshot, where)),
        "active": True,  # learners see a step once it is released to them
        "collection": classroom_id,
    }


def body_nodes(body: Mapping[str, JSON]) -> list[str]:
    """The content node ids of a lesson body's resources, in order."""
    resources = body.get("resources")
    return [str(r["contentnode_id"]) for r in resources if isinstance(r, dict)] if isinstance(
        resources, list) else []
