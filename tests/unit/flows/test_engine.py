"""The pure conversation engine on a small flow of its own: start, skip, advance, branch, re-ask, give up."""
from dataclasses import replace
from datetime import date

from shared.flows import engine
from shared.flows.model import Ask, Branch, Choice, Context, Done, Flow, State
from shared.flows.parsers import Invalid

CTX = Context(today=date(2025, 6, 1))


def _number(text, slots, ctx):
    return int(text) if text.strip().isdigit() else Invalid("invalid_number")


FLOW = Flow(
    id="test",
    start="count",
    steps={
        "count": Ask("ask_weight", parse=_number, save_as="count", skip=lambda s, c: "count" in s,
                     next=Branch(lambda s, c: "many" if s["count"] > 1 else "one",
                                 {"many": "which", "one": Done("single")})),
        "which": Ask("ask_which_child", parse=_number, save_as="which",
                     choices=(Choice("pick:1", "choice_yes", value=1),), next=Done("several")),
    },
)


def test_start_asks_the_first_open_step():
    turn = engine.start(FLOW, CTX)
    assert (turn.state.step, [r.key for r in turn.replies], turn.action) == ("count", ["ask_weight"], None)


def test_a_known_slot_skips_its_step_and_a_branch_picks_the_next():
    turn = engine.start(FLOW, CTX, {"count": 3})
    assert turn.state.step == "which" and turn.state.slots == {"count": 3}


def test_a_branch_can_end_the_flow_with_its_action_and_slots():
    turn = engine.advance(FLOW, engine.start(FLOW, CTX).state, "1", CTX)
    assert (turn.state, turn.action, turn.slots) == (None, "single", {"count": 1})


def test_a_tapped_choice_wins_over_the_parser():
    state = engine.start(FLOW, CTX, {"count": 2}).state
    turn = engine.advance(FLOW, state, "", CTX, reply_id="pick:1")
    assert (turn.action, turn.slots["which"]) == ("several", 1)


def test_a_choice_can_be_typed_by_its_number():
    state = engine.start(FLOW, CTX, {"count": 2}).state
    assert engine.advance(FLOW, state, "1", CTX).slots["which"] == 1


def test_bad_input_is_explained_and_asked_again_with_the_retry_counted():
    turn = engine.advance(FLOW, engine.start(FLOW, CTX).state, "banyak", CTX)
    assert [r.key for r in turn.replies] == ["invalid_number", "ask_weight"]
    assert (turn.state.step, turn.state.retries) == ("count", 1)


def test_the_third_failed_try_keeps_what_was_understood_and_explains_with_an_example():
    """Nothing is thrown away: the slots stay, the step says what is missing (its `stuck` text) and offers its own
    choices and, for a family, the kader's help; the count starts again."""
    flow = Flow(id="test", start="which", steps={"which": replace(FLOW.steps["which"], stuck="stuck_weight")})
    state = State("test", "which", {"count": 2, "name": "Ani"}, retries=engine.MAX_TRIES - 1)

    turn = engine.advance(flow, state, "banyak", CTX)

    assert turn.action is None and turn.state == State("test", "which", {"count": 2, "name": "Ani"}, retries=0)
    assert [r.key for r in turn.replies] == ["invalid_number", "stuck_weight"]
    assert [c.id for c in turn.replies[-1].choices] == ["pick:1", engine.KADER_HELP.id]


def test_a_kader_who_is_stuck_is_not_offered_a_kaders_help():
    state = State("test", "count", {}, retries=engine.MAX_TRIES - 1)
    turn = engine.advance(FLOW, state, "banyak", replace(CTX, is_staff=True))
    assert [r.key for r in turn.replies] == ["invalid_number", "stuck_generic"] and not turn.replies[-1].choices


def test_the_kaders_help_is_said_and_the_question_asked_again():
    state = State("test", "count", {"name": "Ani"})
    turn = engine.advance(FLOW, state, "", CTX, reply_id=engine.KADER_HELP.id)
    assert [r.key for r in turn.replies] == ["kader_can_help", "ask_weight"] and turn.state.slots == {"name": "Ani"}


def test_dates_are_kept_as_iso_strings_so_the_state_is_json():
    flow = Flow(id="d", start="on", steps={"on": Ask("ask_measured_on", parse=lambda t, s, c: date(2025, 5, 1),
                                                     save_as="on", next=Done("x"))})
    assert engine.advance(flow, engine.start(flow, CTX).state, "kemarin", CTX).slots == {"on": "2025-05-01"}
