"""Finding providers: what a user sees when learnops.yaml names one that is or is not there."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from reconciler_rest.provider import RestProvider
from reconciler_sandbox.provider import SandboxProvider

from reconciler.errors import ConfigError
from reconciler.model import ProjectConfig, ProviderConfig
from reconciler.providers import Provider
from reconciler.providers.registry import (
    ENTRY_POINT_GROUP,
    ProviderRegistry,
    installed_providers,
    open_provider,
)


def project(root: Path, provider: ProviderConfig | None = None) -> ProjectConfig:
    return ProjectConfig(
        project="acme-learning",
        root=root,
        provider=provider or ProviderConfig("sandbox"),
        targets={
            "staging": ProviderConfig(
                "rest", {"url": "https://staging-lms.example.com/api/v1",
                         "token_env": "STAGING_TOKEN"}
            ),
            "production": ProviderConfig("rest", {"url": "https://lms.example.com/api/v1",
                                                  "token_env": "LMS_TOKEN"}),
        },
    )


def registry_with(name: str, value: str) -> ProviderRegistry:
    return ProviderRegistry.of([EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)])


def test_the_built_in_providers_are_installed() -> None:
    assert {"sandbox", "rest"} <= set(installed_providers())


def test_the_default_provider_is_the_sandbox_under_the_project(tmp_path: Path) -> None:
    provider = open_provider(project(tmp_path))
    try:
        assert isinstance(provider, SandboxProvider)
        assert isinstance(provider, Provider)
        assert provider.name == "sandbox"
        assert (tmp_path / ".learnops" / "sandbox.db").is_file()
    finally:
        provider.close()


def test_a_target_opens_its_own_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGING_TOKEN", "t0k3n")
    provider = open_provider(project(tmp_path), "staging")
    try:
        assert isinstance(provider, RestProvider)
        assert provider.settings.url == "https://staging-lms.example.com/api/v1"
    finally:
        provider.close()


def test_an_unknown_provider_type_is_one_line_naming_the_installed_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        open_provider(project(tmp_path, ProviderConfig("moodle")))
    message = str(caught.value)
    assert "\n" not in message
    assert "unknown provider type 'moodle'" in message
    assert "rest" in message and "sandbox" in message


def test_an_unknown_target_lists_the_targets_learnops_yaml_defines(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        open_provider(project(tmp_path), "prod")
    assert str(caught.value) == (
        "unknown target 'prod' (learnops.yaml defines: provider, production, staging)"
    )


def test_a_plugin_that_is_not_a_provider_is_refused_naming_what_it_lacks(
    tmp_path: Path,
) -> None:
    registry = registry_with("odd", "collections:OrderedDict")
    with pytest.raises(ConfigError, match="does not satisfy the Provider protocol: missing "
                                          "read_resources, read_users, write"):
        registry.open(project(tmp_path, ProviderConfig("odd")))


def test_a_plugin_that_is_not_a_class_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'odd' \\(os:sep\\) is not a class"):
        registry_with("odd", "os:sep").factory("odd")


def test_a_plugin_that_fails_to_import_is_a_config_error(tmp_path: Path) -> None:
    registry = registry_with("gone", "reconciler_not_installed.provider:Gone")
    with pytest.raises(ConfigError, match="provider 'gone' could not be loaded"):
        registry.factory("gone")


def test_a_broken_plugin_does_not_break_the_others(tmp_path: Path) -> None:
    registry = ProviderRegistry.of([
        EntryPoint("gone", "reconciler_not_installed:Gone", ENTRY_POINT_GROUP),
        EntryPoint("sandbox", "reconciler_sandbox.provider:SandboxProvider", ENTRY_POINT_GROUP),
    ])
    provider = registry.open(project(tmp_path))
    provider.close()
    assert registry.names == ("gone", "sandbox")
