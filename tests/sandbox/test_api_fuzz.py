"""schemathesis against a real sandbox server: every operation of the OpenAPI document,
positive and negative data, an admin token, every check (status codes and headers the
document declares, bodies against their schemas, negative data rejected, positive data
accepted). Bounded: a few examples an operation and mode, derandomized, no shrinking
(a few seconds); loopback only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server
from schemathesis import GenerationMode

from .conftest import USERS_CSV, assignment, audience, obj, plan, put, step

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# Per operation and mode. At 8 a made-up page token and a date the document calls
# invalid (as_of=0) are among the examples: both are tried on every run.
EXAMPLES = 8


def _semantic(label: str) -> bool:
    """Operations whose bodies have rules JSON Schema cannot state (a CSV's header and
    cells; a step's after_step naming an earlier step, references between resources):
    schema-valid data is often rightly refused, so only negative data runs for them."""
    return label.endswith("/users:import") or label.startswith("PUT /api/v1/")


def _seed(platform: Platform) -> None:
    """Two of everything listed, so each listing gives a next_page_token."""
    platform.import_users_csv(USERS_CSV, actor="hr")
    for n in (1, 2):
        put(platform, "LearningObject", f"o{n}", obj(f"O{n}"))
        put(platform, "Audience", f"a{n}", audience(groups=["nursing"]))
        put(platform, "CertificationPlan", f"p{n}", plan(step("one", f"o{n}")))
        put(platform, "Assignment", f"s{n}", assignment(f"a{n}", {"plan": f"p{n}"}))


def _given_page_token(url: str, token: str) -> Callable[[schemathesis.Case], None]:
    """Positive data's page_token: one its listing gave, or none when the listing has
    one page. Which text is a token no schema can say (any other is the document's
    400, which test_api_platform tries), so a string made up is no valid request."""
    def given(case: schemathesis.Case) -> None:
        if case.query is None or "page_token" not in case.query:
            return
        first = requests.get(url.removesuffix("/api/v1") + case.formatted_path,
                             params={"limit": 1}, timeout=10,
                             headers={"Authorization": f"Bearer {token}"}).json()
        if first["next_page_token"] is None:
            del case.query["page_token"]
        else:
            case.query["page_token"] = first["next_page_token"]

    return given


Served = tuple[schemathesis.BaseSchema, str, Callable[[schemathesis.Case], None]]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db: Path = tmp_path_factory.mktemp("fuzz") / "sandbox.db"
    platform = Platform(db)
    token = platform.create_token("fuzzer", ["admin"])
    _seed(platform)
    with running_server(platform) as url:
        schema = schemathesis.openapi.from_url(url.removesuffix("/api/v1") + "/openapi.json")
        # A schema-valid write may still fail its precondition (412: stale If-Match; 428:
        # a PUT with neither If-Match nor If-None-Match, which no schema can require).
        schema.config.checks.positive_data_acceptance.expected_statuses = [
            "2xx", "3xx", "401", "403", "404", "409", "412", "428", "429"]
        # ... and a request sending both is refused with 412 (RFC 9110), a rejection too.
        schema.config.checks.negative_data_rejection.expected_statuses = [
            "400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428",
            "429"]
        yield schema, token, _given_page_token(url, token)
    platform.close()


def test_the_api_does_what_its_document_says(served: Served) -> None:
    schema, token, given_page_token = served
    failures: list[str] = []
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
                      suppress_health_check=list(HealthCheck))
            def check(case: schemathesis.Case) -> None:
                nonlocal cases
                cases += 1
                if case.meta is not None and case.meta.generation.mode.is_positive:
                    given_page_token(case)
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

            if mode is GenerationMode.POSITIVE and _semantic(operation.label):
                continue
            try:
                check()
            except (Exception, BaseExceptionGroup) as failure:  # all tried, all reported
                failures.append(f"{operation.label} [{mode.value}]: {failure}")
    print(f"schemathesis: {cases} cases")
    assert not failures, "\n\n".join(failures)
