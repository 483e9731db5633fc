"""Cloud API payloads over generated text (hypothesis): a button title is accepted exactly when it fits Meta's limit."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.whatsapp.errors import InvalidMessage
from shared.whatsapp.outgoing import Button, Buttons
from shared.whatsapp.payloads import build_message, char_len

TO = "6281200000001"


def sex_buttons(title: str) -> Buttons:
    """A reply-button question with one button of this title."""
    return Buttons(body="Jenis kelamin anak?", buttons=(Button(id="b0", title=title),))


@given(st.text(max_size=30))
def test_a_button_title_is_accepted_exactly_when_it_fits_in_20_utf16_units(title):
    """Any text builds as a button title when it is non-blank and ≤ 20 UTF-16 units, and is refused otherwise."""
    msg = sex_buttons(title)

    fits = bool(title.strip()) and char_len(title) <= 20

    if fits:
        assert build_message(TO, msg)["interactive"]["action"]["buttons"][0]["reply"]["title"] == title
    else:
        with pytest.raises(InvalidMessage):
            build_message(TO, msg)
