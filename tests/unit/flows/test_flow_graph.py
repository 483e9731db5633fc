"""The flows as a graph, walked without running them: every next step exists, every step is reachable, and every
action and every word has its handler (that every catalogue key the code names exists is in tests/exhaustive)."""
import pytest

from shared.flows import definitions
from shared.flows.model import Branch, Done
from shared.services import conversation

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
