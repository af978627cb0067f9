"""A directory read from a SCIM 2.0 service (RFC 7643/7644): Okta, Entra ID, Workday...

``directory: {type: scim, url, token_env, attributes, filter, id_attribute, page_size}``.
Users and Groups are read in pages (``startIndex``/``count``) over ``requests``; the
payloads are parsed and every attribute path resolved by scim2-models (the wire
format, filters in paths like ``addresses[type eq "work"].locality`` and the
enterprise extension's URN paths), never by hand. The employee id is ``externalId``
unless ``id_attribute`` says otherwise; a Group's members (nested groups included)
get its ``displayName`` among their ``groups``; ``manager`` is the manager's
employee id. Errors name the URL and the token's variable, never the token.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, Final

import requests
from pydantic import ValidationError
from scim2_models import EnterpriseUser, Group, ListResponse, Path, User
from scim2_models.exceptions import SCIMException
from scim2_models.path.expressions import CompareOperator, Comparison

from reconciler.directory.source import DirectorySnapshot, snapshot
from reconciler.errors import ConfigError, PermanentError, TemporaryError
from reconciler.model import JSON
from reconciler.rules.directory import User as Person

ScimUser = User[EnterpriseUser]
ENTERPRISE: Final = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE: Final = "urn:ietf:params:scim:schemas:core:2.0:User"
WHERE: Final = "learnops.yaml"

# Directory attribute -> SCIM path, for the attributes audiences use most; a project's
# ``attributes:`` is merged over these (``null`` drops one).
DEFAULT_ATTRIBUTES: Final[Mapping[str, str]] = {
    "first_name": "name.givenName",
    "last_name": "name.familyName",
    "email": 'emails[type eq "work"].value',
    "job_role": "title",
    "language": "preferredLanguage",
    "location": 'addresses[type eq "work"].locality',
    "department": f"{ENTERPRISE}:department",
    "manager": f"{ENTERPRISE}:manager.value",
    "employee_number": f"{ENTERPRISE}:employeeNumber",
}
MANAGER_PATH: Final = f"{ENTERPRISE}:manager.value"  # a SCIM id: read as an employee id
_KNOWN: Final = frozenset(
    {"url", "token_env", "attributes", "filter", "id_attribute", "page_size", "timeout"})
_VALID_PATHS: Final = frozenset(str(p).lower() for p in Path[ScimUser].iter_paths())


@dataclass(frozen=True)
class ScimSettings:
    url: str
    token_env: str
    attributes: Mapping[str, str]
    id_attribute: str = "externalId"
    filter: str | None = None
    page_size: int = 200
    timeout: float = 10.0
    paths: Mapping[str, Accessor] = field(default_factory=dict)


@dataclass(frozen=True)
class ScimDirectory:
    settings: ScimSettings

    @classmethod
    def configured(cls, options: Mapping[str, JSON]) -> ScimDirectory:
        unknown = sorted(set(options) - _KNOWN)
        if unknown:
            raise ConfigError(f"directory: unknown SCIM option(s) {', '.join(unknown)}",
                              where=WHERE)
        url, token_env = options.get("url"), options.get("token_env")
        if not isinstance(url, str) or not isinstance(token_env, str):
            raise ConfigError("directory: a SCIM directory needs url and token_env", where=WHERE)
        mapped = dict(DEFAULT_ATTRIBUTES)
        for name, path in dict(_mapping(options.get("attributes"))).items():
            if path is None:
                mapped.pop(name, None)
            else:
                mapped[name] = str(path)
        id_attribute = str(options.get("id_attribute") or "externalId")
        paths = {name: Accessor.of(_path(f"attributes.{name}", path))
                 for name, path in mapped.items()}
        paths["employee_id"] = Accessor.of(_path("id_attribute", id_attribute))
        page_size, timeout = options.get("page_size", 200), options.get("timeout", 10.0)
        filter_ = options.get("filter")
        return cls(ScimSettings(
            url=url.rstrip("/"), token_env=token_env, attributes=mapped,
            id_attribute=id_attribute, filter=str(filter_) if filter_ else None,
            page_size=int(page_size) if isinstance(page_size, int) else 200,
            timeout=float(timeout) if isinstance(timeout, int | float) else 10.0,
            paths=paths,
        ))

    @property
    def description(self) -> str:
        return f"scim {self.settings.url}"

    def read(self) -> DirectorySnapshot:
        settings = self.settings
        token = os.environ.get(settings.token_env)
        if not token:
            raise ConfigError(
                f"directory: the environment variable {settings.token_env} (the SCIM token "
                f"for {settings.url}) is not set", where=WHERE)
        with requests.Session() as session:
            session.headers.update({"Authorization": f"Bearer {token}",
                                    "Accept": "application/scim+json"})
            reader = _Reader(session, settings)
            users = list(reader.resources("Users", ScimUser, settings.filter))
            groups = list(reader.resources("Groups", Group, None))
        return snapshot(self.description, _people(users, groups, settings))


def _mapping(value: JSON) -> Mapping[str, JSON]:
    return value if isinstance(value, Mapping) else {}


def _path(option: str, text: str) -> Path[ScimUser]:
    """A SCIM attribute path of the User schema (core or enterprise), checked now."""
    problem = f"directory.{option}: SCIM attribute path {text!r}"
    try:
        path = Path[ScimUser](text)
        key = path.attr if path.schema in (None, CORE) else f"{path.schema}:{path.attr}"
        if key.lower() not in _VALID_PATHS:
            raise ConfigError(f"{problem} does not exist in the User schema (core or "
                              "enterprise extension)", where=WHERE)
        path.get(ScimUser(user_name="probe"))  # an unknown attribute inside a filter
    except SCIMException as invalid:
        raise ConfigError(f"{problem} is not valid: {invalid}", where=WHERE) from None
    return path


class Accessor:
    """Reads one attribute path off a parsed user. Paths of the usual shapes
    (``title``, ``name.givenName``, ``urn:...:enterprise:2.0:User:department``,
    ``addresses[type eq "work"].locality``) are walked directly on the model
    scim2-models built, comparing as SCIM does (case-insensitive strings); any other
    path is resolved by scim2-models itself. The walk is a speed-up only (the general
    resolver costs 40-200 us a path and user), and the tests hold the two to the same
    answers."""

    def __init__(self, path: Path[ScimUser], walk: _Walk | None) -> None:
        self.path = path
        self.walk = walk

    @classmethod
    def of(cls, path: Path[ScimUser]) -> Accessor:
        node, parts = path.value_filter, path.parts
        if path.schema not in (None, CORE, ENTERPRISE) or not parts:
            return cls(path, None)
        if node is None:
            return cls(path, _Walk(path.schema == ENTERPRISE, parts, None))
        if (
            isinstance(node, Comparison) and node.op == CompareOperator.eq
            and node.attr_path.sub_attr is None and node.attr_path.uri is None
            and len(parts) == 2 and isinstance(node.value, str | bool)
        ):
            where = (node.attr_path.attr, node.value)
            return cls(path, _Walk(path.schema == ENTERPRISE, parts, where))
        return cls(path, None)

    def get(self, user: Any) -> Any:
        walk = self.walk
        if walk is None:
            return self.path.get(user)
        values: list[Any] = [user[EnterpriseUser] if walk.extension else user]
        many = False
        for depth, part in enumerate(walk.parts):
            found: list[Any] = []
            for value in values:
                if value is None:
                    continue
                kind: Any = type(value)
                name = _field(kind, part)
                if name is None:
                    return self.path.get(user)  # a shape the walk does not know
                got = getattr(value, name)
                if isinstance(got, list):
                    many = True
                    if depth == 0 and walk.where is not None:
                        got = [e for e in got if _matches(e, walk.where)]
                    found.extend(got)
                else:
                    found.append(got)
            values = found
        if many:  # as scim2-models answers: the values found, or None for none
            return [v for v in values if v is not None] or None
        return values[0] if values else None


@dataclass(frozen=True)
class _Walk:
    extension: bool  # the enterprise extension's attributes
    parts: tuple[str, ...]
    where: tuple[str, JSON] | None  # ``[attribute eq literal]`` on the first part


def _matches(element: Any, where: tuple[str, JSON]) -> bool:
    kind: Any = type(element)
    name = _field(kind, where[0])
    return name is not None and _equal(getattr(element, name), where[1])


@cache
def _field(model: Any, scim_name: str) -> str | None:
    """The model's field for a SCIM attribute name (names are case-insensitive)."""
    wanted = scim_name.lower()
    for name, info in getattr(model, "model_fields", {}).items():
        if wanted in (name.lower(), str(info.serialization_alias or "").lower()):
            return str(name)
    return None


def _equal(value: Any, literal: JSON) -> bool:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(literal, bool) or isinstance(value, bool):
        return value is literal
    return isinstance(value, str) and isinstance(literal, str) and value.lower() == literal.lower()


class _Reader:
    """GET pages of one resource type until ``totalResults`` are read."""

    def __init__(self, session: requests.Session, settings: ScimSettings) -> None:
        self.session = session
        self.settings = settings

    def resources(self, endpoint: str, model: Any, filter_: str | None) -> Iterator[Any]:
        start, read = 1, 0
        while True:
            params: dict[str, str | int] = {"startIndex": start,
                                            "count": self.settings.page_size}
            if filter_:
                params["filter"] = filter_
            page = self._page(endpoint, params, model)
            items = page.resources or []
            yield from items
            read += len(items)
            total = page.total_results or 0
            if not items or read >= total:
                return
            start += len(items)

    def _page(self, endpoint: str, params: Mapping[str, str | int], model: Any) -> Any:
        url = f"{self.settings.url}/{endpoint}"
        try:
            response = self.session.get(url, params=params, timeout=self.settings.timeout)
        except requests.RequestException as problem:
            raise TemporaryError(f"SCIM directory {self.settings.url} is unreachable: "
                                 f"{type(problem).__name__}", where=f"GET {url}") from None
        if response.status_code in (401, 403):
            raise PermanentError(
                f"SCIM directory {self.settings.url} refused the token in "
                f"${self.settings.token_env} ({response.status_code}): check that variable "
                "and the token's rights to read Users and Groups", where=f"GET {url}")
        if response.status_code >= 400:
            detail = _detail(response)
            error = TemporaryError if response.status_code >= 500 else PermanentError
            raise error(f"SCIM directory {self.settings.url} answered {response.status_code}"
                        f"{detail}", where=f"GET {url}")
        try:
            return ListResponse[model].model_validate(response.json())
        except (ValueError, ValidationError) as problem:
            first = str(problem).splitlines()[0]
            raise PermanentError(f"SCIM directory {self.settings.url} sent a page that is "
                                 f"not a SCIM ListResponse: {first}", where=f"GET {url}") from None


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    return f": {detail}" if isinstance(detail, str) and detail else ""


def _people(users: list[Any], groups: list[Any], settings: ScimSettings) -> list[Person]:
    id_path = settings.paths["employee_id"]
    employee_ids: dict[str, str] = {}  # SCIM id -> employee id
    for user in users:
        employee_id = _text(id_path.get(user))
        if employee_id is None:
            who = user.user_name or user.id
            raise PermanentError(
                f"SCIM user {who!r} (id {user.id}) has no {settings.id_attribute}: every "
                "person needs an employee id (set directory.id_attribute, e.g. userName)",
                where=f"{settings.url}/Users/{user.id}")
        employee_ids[str(user.id)] = employee_id
    memberships = _memberships(groups)
    people: dict[str, Person] = {}
    for user in users:
        employee_id = employee_ids[str(user.id)]
        attributes: dict[str, str] = {}
        for name, path in settings.paths.items():
            if name == "employee_id":
                continue
            value = _text(path.get(user))
            if value is not None and settings.attributes[name] == MANAGER_PATH:
                value = employee_ids.get(value, value)
            if value is not None:
                attributes[name] = value
        if employee_id in people:
            raise PermanentError(
                f"two SCIM users have the employee id {employee_id} "
                f"({settings.id_attribute})", where=f"{settings.url}/Users/{user.id}")
        people[employee_id] = Person(
            employee_id, attributes, frozenset(memberships.get(str(user.id), ())),
            user.active is not False,
        )
    return list(people.values())


def _memberships(groups: list[Any]) -> dict[str, set[str]]:
    """SCIM user id -> names of the groups holding them, directly or through groups."""
    by_id = {str(group.id): group for group in groups}
    held: dict[str, set[str]] = {}
    for group in groups:
        name = group.display_name or str(group.id)
        pending, seen = [group], {str(group.id)}
        while pending:
            for member in pending.pop().members or []:
                value = str(member.value)
                if member.type == "Group" or value in by_id:
                    if value in by_id and value not in seen:
                        seen.add(value)
                        pending.append(by_id[value])
                    continue
                held.setdefault(value, set()).add(name)
    return held


def _text(value: Any) -> str | None:
    """A path's value as a directory attribute: the first of many, trimmed, or absent."""
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None
