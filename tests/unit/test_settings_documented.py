"""Every setting is documented: each field of models.settings.Settings has its DOSSIER_ row in
the README's configuration table, and every row there names a real setting."""

from __future__ import annotations

import re

from models.settings import Settings
from tests.support.env import REPO


def documented() -> set[str]:
    """The DOSSIER_* names in the first column of the table under '## Configuration'."""
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `DOSSIER_")]
    return {name for row in rows for name in re.findall(r"`DOSSIER_([A-Z0-9_]+)`",
                                                        row.split(" | ", 1)[0])}


def test_every_setting_has_a_readme_row() -> None:
    names = documented()
    assert len(names) >= 20, "the configuration table was not found"
    fields = {name.upper() for name in Settings.model_fields}
    assert sorted(fields - names) == [], "settings without a row in the README"
    assert sorted(names - fields) == [], "README rows naming no setting"
