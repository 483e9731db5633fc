"""Every catalogue key the code names, in every source file under shared/, exists in both languages."""
import ast
from pathlib import Path

import pytest

from shared.flows.messages import EN, ID

REPO = Path(__file__).resolve().parents[3]


def _catalogue_keys_named_in(path: Path):
    """String literals passed as the key to say(), Reply(), Ref(), render() or Choice(..., key)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        args = node.args
        if name in ("say", "Reply", "Ref", "render") and args and isinstance(args[0], ast.Constant) \
                and isinstance(args[0].value, str):
            yield node.lineno, args[0].value
        if name == "Choice" and len(args) >= 2 and isinstance(args[1], ast.Constant):
            yield node.lineno, args[1].value
        for kw in node.keywords:
            if name in ("Choice", "Ask") and kw.arg in ("key", "prompt") and isinstance(kw.value, ast.Constant):
                yield node.lineno, kw.value.value


@pytest.mark.parametrize("path", sorted((REPO / "shared").rglob("*.py")), ids=lambda p: str(p.relative_to(REPO)))
def test_every_catalogue_key_the_code_names_exists_in_both_languages(path):
    missing = [(line, key) for line, key in _catalogue_keys_named_in(path) if key not in ID or key not in EN]
    assert missing == []
