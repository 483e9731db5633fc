"""Our code uses only the public surface of other packages: no underscore name of theirs is imported or read.

A library's underscore names may change in any release without notice, so code that leans on them breaks on an
ordinary upgrade. The check is syntactic: it flags `from x import _name` (and imports of private modules), and
`obj._name` or `getattr(obj, "_name")` where obj is not `self`/`cls` and nothing in our own code defines `_name`
(reading our own private names off our own objects, such as a unit of work's statement helpers, is fine).
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("shared", "functions")
OURS = {"shared", "functions"}
# Underscore names that are documented public API: the namedtuple methods.
DOCUMENTED = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def _sources() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"), str(path))
            for top in SCANNED for path in sorted((ROOT / top).rglob("*.py"))}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name not in DOCUMENTED


def _defined_here(trees) -> set[str]:
    """Every underscore name our code defines: functions, classes, assigned names and attributes, arguments."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
    return {name for name in names if _private(name)}


def _foreign_modules(tree: ast.Module) -> set[str]:
    """Names this file binds to another package's modules (`import x`, `import x.y`, `import x as y`)."""
    return {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
            for alias in node.names if alias.name.split(".")[0] not in OURS}


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _uses(tree: ast.Module, ours: set[str]) -> list[tuple[int, str]]:
    """(line, what) for each use of another package's underscore name in this file."""
    modules = _foreign_modules(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names
                      if a.name.split(".")[0] not in OURS and any(map(_private, a.name.split(".")))]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] not in OURS:
            if any(map(_private, node.module.split("."))):
                found.append((node.lineno, f"from {node.module} import ..."))
            found += [(node.lineno, f"from {node.module} import {a.name}") for a in node.names if _private(a.name)]
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if _root(node.value) in modules or (owner not in ("self", "cls") and node.attr not in ours):
                found.append((node.lineno, f"{ast.unparse(node.value)}.{node.attr}"))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "setattr", "hasattr", "delattr") and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
              and _private(node.args[1].value) and node.args[1].value not in ours):
            found.append((node.lineno, f"{node.func.id}(..., {node.args[1].value!r})"))
    return sorted(found)


def test_no_underscore_name_of_another_package_is_imported_or_read():
    """Every file under shared/ and functions/ keeps to other packages' public names."""
    sources = _sources()
    ours = _defined_here(sources.values())

    found = [f"{path.relative_to(ROOT)}:{line}: {what}" for path, tree in sources.items()
             for line, what in _uses(tree, ours)]

    assert not found, "another package's private names:\n" + "\n".join(found)


def test_the_check_catches_what_it_is_for():
    """Private imports, a foreign object's private attribute and a private module attribute are all flagged;
    our own private names on our own objects are not."""
    tree = ast.parse(
        "import pg8000.core\n"
        "from pg8000.core import _flush, Context\n"
        "from pg8000 import _private_module\n"
        "status = conn._transaction_status\n"
        "pg8000.core._write(sock, b'')\n"
        "getattr(conn, '_sock')\n"
        "rows = uow._all('SELECT 1')\n"
        "self._conn = conn\n")

    found = _uses(tree, ours={"_all", "_conn"})

    assert [what for _, what in found] == [
        "from pg8000.core import _flush", "from pg8000 import _private_module", "conn._transaction_status",
        "pg8000.core._write", "getattr(..., '_sock')"]
