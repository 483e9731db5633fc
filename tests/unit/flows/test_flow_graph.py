"""The flows as a graph, walked without running them: every next step exists, every step is reachable, every
action and every word has its handler, and every catalogue key the code names exists."""
import ast
from pathlib import Path

import pytest

from shared.flows import definitions
from shared.flows.messages import EN, ID
from shared.flows.model import Branch, Done
from shared.services import conversation

REPO = Path(__file__).resolve().parents[3]
FLOWS = sorted(definitions.FLOWS.values(), key=lambda f: f.id)


def targets(nxt) -> tuple:
    """Every step (or Done) a `next` can lead to."""
    return nxt.targets() if isinstance(nxt, Branch) else (nxt,)


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.id)
def test_every_next_names_a_step_of_the_flow_or_an_end(flow):
    dangling = [(name, t) for name, step in flow.steps.items() for t in targets(step.next)
                if not isinstance(t, Done) and t not in flow.steps]
    assert flow.start in flow.steps and dangling == []


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.id)
def test_every_step_is_reachable_from_the_start(flow):
    seen, todo = set(), [flow.start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [t for t in targets(flow.steps[name].next) if not isinstance(t, Done)]
    assert set(flow.steps) - seen == set()


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.id)
def test_every_flow_can_end(flow):
    """From every step some path reaches a Done: no flow traps a person in a loop."""
    ends = {name for name, step in flow.steps.items() if any(isinstance(t, Done) for t in targets(step.next))}
    grew = True
    while grew:
        more = {name for name, step in flow.steps.items()
                if name not in ends and any(t in ends for t in targets(step.next) if not isinstance(t, Done))}
        grew = bool(more)
        ends |= more
    assert set(flow.steps) - ends == set()


def test_every_action_a_flow_ends_with_has_a_handler():
    actions = {t.action for flow in FLOWS for step in flow.steps.values() for t in targets(step.next)
               if isinstance(t, Done)}
    assert actions - set(conversation.ACTIONS) == set()
    assert set(conversation.ACTIONS) - actions - {"menu"} == set()  # "menu" is the engine's own way out


def test_every_word_that_works_anywhere_has_a_handler():
    assert set(conversation.GLOBAL_WORDS.values()) == set(conversation.WORDS)


def test_a_branch_lists_only_what_it_can_choose():
    """A branch's choice is a key of its table: run each branch over slots that reach each of its keys."""
    from datetime import date

    from shared.flows.model import Context

    ctx = Context(today=date(2025, 6, 1), children=({"id": 1, "name": "Ani", "sex": "F", "birth_date": "2024-01-03"},))
    samples = [{}, {"child_id": 1}, {"child_id": "new"}, {"matches": [1, 2]}, {"consent": True}, {"consent": False},
               {"consent": "en"}, {"confirmed": True}, {"confirmed": False}]
    chosen: dict[int, set] = {}
    for flow in FLOWS:
        for step in flow.steps.values():
            if isinstance(step.next, Branch):
                for slots in samples:
                    try:
                        key = step.next.choose(slots, ctx)
                    except KeyError:
                        continue  # a slot this branch needs is not in this sample
                    assert key in step.next.to
                    chosen.setdefault(id(step.next), set()).add(key)
    assert chosen  # the samples exercised the branches


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
