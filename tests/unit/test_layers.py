"""The layer contracts of pyproject.toml ([tool.importlinter], run by `make lint`) hold on the
real tree, and break, naming the contract, on a copy of the tree with one deliberate offence:
an upward import (a stage importing services), a cross-stage import (similarity importing
search), an import circle inside a package, the product importing the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.env import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.is_file():
        pytest.fail(f"{LINT_IMPORTS} missing: import-linter is a dev dependency (make install)")
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True,
                          text=True, timeout=300)


def root_packages() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    packages: list[str] = config["tool"]["importlinter"]["root_packages"]
    return packages


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages import-linter reads, and its configuration."""
    for name in root_packages():
        shutil.copytree(REPO / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_real_tree_keeps_every_contract() -> None:
    run = lint_imports(REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout
    assert {"layers", "product-not-benchmarks", "no-cycles"} <= {
        c["id"] for c in tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
        ["tool"]["importlinter"]["contracts"]}


def test_the_copy_keeps_them_too(tree: Path) -> None:
    """The copy alone passes, so a failure below is the planted import's doing."""
    run = lint_imports(tree)
    assert run.returncode == 0, run.stdout + run.stderr


OFFENCES = {
    # module to add: its source
    "upward": {"ocr/layer_probe.py": "import services.intake\n"},
    "cross-stage": {"similarity/layer_probe.py": "import search.base\n"},
    "circle": {"services/probe_a.py": "import services.probe_b\n",
               "services/probe_b.py": "import services.probe_a\n"},
    "tests": {"models/layer_probe.py": "import tests.support.env\n"},
}
BROKEN = {
    "upward": ("api → workers → services → stages → models", "ocr.layer_probe -> services.intake"),
    "cross-stage": ("api → workers → services → stages → models",
                    "similarity.layer_probe -> search.base"),
    "circle": ("no import circle inside a package", ".probe_b -> .probe_a"),
    "tests": ("the product never imports benchmarks or tests",
              "models.layer_probe -> tests.support.env"),
}


@pytest.mark.parametrize("offence", list(OFFENCES))
def test_a_planted_import_breaks_its_contract(tree: Path, offence: str) -> None:
    for path, source in OFFENCES[offence].items():
        (tree / path).write_text(source, encoding="utf-8")
    run = lint_imports(tree)
    report = run.stdout + run.stderr
    contract, detail = BROKEN[offence]
    assert run.returncode != 0, report
    assert f"{contract} BROKEN" in report
    assert "1 broken" in report  # that contract alone
    assert detail in report
