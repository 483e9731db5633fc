"""The shapes conversations are made of: flows as data (Flow, Ask, Done), the state saved between messages,
and what one turn produces (replies as catalogue keys, and at most one action for a service to carry out).

No I/O, no clock, no text: replies name catalogue keys; the service renders them in the person's language.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Callable, Mapping


USE_ID = "__use_id__"  # a Choice whose value is this means "the slot gets the choice's id"


@dataclass(frozen=True)
class Choice:
    """One option offered with a question: shown as a button or list row, tapped back as its id."""

    id: str
    key: str  # catalogue key of its title
    value: Any = USE_ID  # what tapping it means for the slot (None is allowed: "skip")
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """One message to send: a catalogue key with its parameters, and the choices to offer under it."""

    key: str
    params: dict = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    new_message: bool = False  # start a new WhatsApp message here instead of joining the previous text


@dataclass(frozen=True)
class Done:
    """The end of a flow: names the service action that acts on the collected slots."""

    action: str


@dataclass(frozen=True)
class Context:
    """Facts the service knows when a message arrives, handed to the pure engine (it reads no clock)."""

    today: date
    lang: str = "id"
    children: tuple[dict, ...] = ()  # [{"id", "name", "sex", "birth_date"}] of this family (or kader's pick)
    is_staff: bool = False
    posyandu: tuple[dict, ...] = ()  # [{"id", "name", "village"}], loaded only while a new child is registered


@dataclass(frozen=True)
class Branch:
    """A next step that depends on the answers so far. `to` lists every step (or Done) the flow can take from
    here, so the flow's graph can be walked without running it; `choose` picks one of its keys."""

    choose: Callable[[dict, Context], str]
    to: Mapping[str, "str | Done"]

    def targets(self) -> tuple["str | Done", ...]:
        """Every step or end this branch can lead to."""
        return tuple(self.to.values())


Next = str | Done | Branch


@dataclass(frozen=True)
class Ask:
    """One question: prompt, how to read the answer, where to keep it, and where to go next.

    parse(text, slots, ctx) returns the value or an Invalid; a tapped choice skips parsing. `skip` lets a step
    be passed over when its answer is already known (quick entry) or irrelevant; `choices` may depend on what
    was collected so far. `stuck` is said after the third failed try: what is missing, with an example.
    """

    prompt: str
    parse: Callable[[str, dict, Context], Any]
    save_as: str
    next: Next
    choices: tuple[Choice, ...] | Callable[[dict, Context], tuple[Choice, ...]] = ()
    skip: Callable[[dict, Context], bool] | None = None
    prompt_params: Callable[[dict, Context], dict] | None = None
    stuck: str = "stuck_generic"


@dataclass(frozen=True)
class Flow:
    """A conversation as data: named steps and the step it starts at."""

    id: str
    start: str
    steps: dict[str, Ask]


@dataclass
class State:
    """Where one person is in a flow; saved as JSON between messages (with a time-out)."""

    flow: str
    step: str
    slots: dict = field(default_factory=dict)
    retries: int = 0

    def to_json(self) -> dict:
        """A JSON-able dict (dates as ISO strings)."""
        data = asdict(self)
        data["slots"] = {k: v.isoformat() if isinstance(v, date) else v for k, v in self.slots.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "State":
        """Inverse of to_json; unknown keys are ignored so old saved states still load."""
        return cls(flow=data["flow"], step=data["step"], slots=dict(data.get("slots") or {}),
                   retries=int(data.get("retries") or 0))


@dataclass(frozen=True)
class Turn:
    """The outcome of one message: the next state (None when the flow ended), replies, and an action."""

    state: State | None
    replies: tuple[Reply, ...] = ()
    action: str | None = None
    slots: dict = field(default_factory=dict)  # what the finished flow collected, for the action
