"""The growth domain stays pure: standard library only (numpy in batch.py alone), no environment, no clock."""
import ast
from pathlib import Path

import pytest

import shared.domain.growth

PACKAGE = Path(shared.domain.growth.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
FORBIDDEN_IMPORTS = {"redis", "pg8000", "requests", "google", "flask", "jsonschema", "functions_framework", "os"}
FORBIDDEN_CALLS = ("date.today", "datetime.now", "datetime.today", "datetime.utcnow", "time.time", "environ")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_imports_no_infrastructure(path):
    """No database, HTTP, cloud or environment module is imported by the growth domain."""
    assert _imports(path) & FORBIDDEN_IMPORTS == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_only_the_batch_module_imports_numpy(path):
    """numpy stays out of every module the webhook loads."""
    assert ("numpy" in _imports(path)) == (path.name == "batch.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_reads_no_clock_or_environment(path):
    """Dates come in as arguments; nothing reads the clock or the environment."""
    text = path.read_text()

    assert [call for call in FORBIDDEN_CALLS if call in text] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_has_no_indonesian_user_text(path):
    """Values are English; Bahasa appears only in comments and docstrings naming the Permenkes terms."""
    tree = ast.parse(path.read_text())
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    strings = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]
    words = ("pendek", "kurang", "gizi", "naik", "berat", "tinggi", "anak", "silakan")

    assert [s for s in strings if any(w in s.lower() for w in words)] == []
