"""The pure conversation engine: start a flow, advance it by one message, re-ask on bad input.

No I/O, no clock: the service passes a Context (today, language, the family's children) and carries out the
Done action the engine returns. On invalid input the step is kept, retries go up, and the person gets the
hint and the question again. The third failed try at one step throws nothing away: the step says what is missing
with an example and offers its own way on (skip, where it has one) or, for a family, a kader's help.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.flows.messages import render
from shared.flows.model import USE_ID, Ask, Branch, Choice, Context, Done, Flow, Next, Reply, State, Turn
from shared.flows.parsers import Invalid

MAX_CHOICES = 10  # Meta: at most 10 rows in a list
MAX_TRIES = 3  # after 3 failed tries at one step, explain with an example and offer help (MENU still works)
# Offered to a family stuck at a question: how the posyandu's kader can help (measuring, the Buku KIA).
KADER_HELP = Choice(id="help:kader", key="choice_ask_kader")


def start(flow: Flow, ctx: Context, slots: dict | None = None) -> Turn:
    """Begin a flow (with slots already known, e.g. from a quick entry) and ask its first open question."""
    return _enter(flow, flow.start, dict(slots or {}), ctx, ())


def advance(flow: Flow, state: State, text: str, ctx: Context, reply_id: str = "") -> Turn:
    """Apply one message to the current step: save the answer and move on, or re-ask with a hint."""
    ask = flow.steps[state.step]
    if reply_id == KADER_HELP.id and not ctx.is_staff:
        again = State(state.flow, state.step, dict(state.slots))
        return Turn(again, (Reply("kader_can_help"), _prompt(ask, again.slots, ctx)))
    value = _read(ask, text, reply_id, state.slots, ctx)
    if isinstance(value, Invalid):
        hint = Reply(value.key, dict(value.params))
        if state.retries + 1 >= MAX_TRIES:
            # What was understood stays; the count starts again, so the person can go on trying after the help.
            kept = State(state.flow, state.step, dict(state.slots))
            return Turn(kept, (hint, _stuck(ask, kept.slots, ctx)))
        retry = State(state.flow, state.step, dict(state.slots), state.retries + 1)
        return Turn(retry, (hint, _prompt(ask, retry.slots, ctx)))
    slots = dict(state.slots)
    if ask.save_as == "*":  # a step that fills several slots at once (a quick entry)
        slots.update({k: _jsonable(v) for k, v in value.items()})
    else:
        slots[ask.save_as] = _jsonable(value)
    return _enter(flow, _resolve(ask.next, slots, ctx), slots, ctx, ())


def _enter(flow: Flow, step: str | Done, slots: dict, ctx: Context, replies: tuple[Reply, ...]) -> Turn:
    """Walk forward from `step` past skipped steps; ask the first open one, or finish."""
    for _ in range(len(flow.steps) + 1):
        if isinstance(step, Done):
            return Turn(None, replies, action=step.action, slots=dict(slots))
        ask = flow.steps[step]
        if ask.skip is not None and ask.skip(slots, ctx):
            step = _resolve(ask.next, slots, ctx)
            continue
        asked = State(flow.id, step, dict(slots))
        return Turn(asked, (*replies, _prompt(ask, asked.slots, ctx)))
    raise ValueError(f"flow {flow.id} skips in a circle")  # a bug in the flow data; a test walks every flow


def _resolve(nxt: Next, slots: dict, ctx: Context) -> str | Done:
    return nxt.to[nxt.choose(slots, ctx)] if isinstance(nxt, Branch) else nxt


def choices_of(ask: Ask, slots: dict, ctx: Context):
    """The choices a step offers given what was collected so far."""
    return ask.choices(slots, ctx) if callable(ask.choices) else ask.choices


def _prompt(ask: Ask, slots: dict, ctx: Context) -> Reply:
    params = ask.prompt_params(slots, ctx) if ask.prompt_params else {}
    return Reply(ask.prompt, params, tuple(choices_of(ask, slots, ctx)))


def _stuck(ask: Ask, slots: dict, ctx: Context) -> Reply:
    """After the third failed try: the step's own explanation with an example, its choices (a skip, where it has
    one) and, for a family, the kader's help."""
    params = ask.prompt_params(slots, ctx) if ask.prompt_params else {}
    extra = () if ctx.is_staff else (KADER_HELP,)
    return Reply(ask.stuck, params, (*choices_of(ask, slots, ctx), *extra)[:MAX_CHOICES])


def _read(ask: Ask, text: str, reply_id: str, slots: dict, ctx: Context) -> Any:
    """A tapped or typed choice wins (by id, by its number, or by its title); otherwise the step's parser."""
    choices = choices_of(ask, slots, ctx)
    typed = " ".join(text.split()).casefold()
    for number, choice in enumerate(choices, start=1):
        title = render(choice.key, ctx.lang, **choice.params).casefold()
        if (reply_id and reply_id == choice.id) or typed in (str(number), title):
            return choice.id if choice.value == USE_ID else choice.value
    return ask.parse(text, slots, ctx)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
