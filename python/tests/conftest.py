"""Shared fixtures: every test gets its own index cache, so nothing is left in ~/.cache."""

import os
from pathlib import Path
from typing import Iterator

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BIGEDIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("BIGEDIT_AUDIT_LOG", raising=False)
    yield


def leftovers(directory: Path, name: str) -> list[str]:
    """Files beside `name` other than it (temp files, journals, lock files: none may stay)."""
    return sorted(f for f in os.listdir(directory) if f != name and name in f)
