"""A directory kept as an HRIS export: one CSV file (``specs/directory/users.csv``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reconciler.directory.source import DirectorySnapshot, snapshot
from reconciler.errors import ConfigError
from reconciler.model import JSON
from reconciler.rules.directory import parse_users_csv


@dataclass(frozen=True)
class CsvDirectory:
    """``path`` as ``learnops.yaml`` writes it (errors name it so) under ``root``."""

    path: str
    root: Path

    @classmethod
    def configured(cls, options: Mapping[str, JSON], root: Path) -> CsvDirectory:
        path = options.get("path")
        if not isinstance(path, str) or not path:
            raise ConfigError("directory: 'path' must name a users CSV", where="learnops.yaml")
        return cls(path, root)

    @property
    def description(self) -> str:
        return f"csv {self.path}"

    def read(self) -> DirectorySnapshot:
        file = self.root / self.path
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"directory: users file {self.path} does not exist (in {self.root})",
                where="learnops.yaml",
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(
                f"directory: users file {self.path} is not UTF-8 text", where="learnops.yaml"
            ) from None
        except OSError as problem:
            raise ConfigError(
                f"directory: cannot read users file {self.path}: {problem.strerror}",
                where="learnops.yaml",
            ) from None
        return snapshot(self.description, parse_users_csv(text, self.path))
