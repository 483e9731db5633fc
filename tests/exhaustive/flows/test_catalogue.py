"""The message catalogue key by key: every message takes the same parameters in both languages."""
import string

import pytest

from shared.flows.messages import EN, ID


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(ID))
def test_both_languages_take_the_same_parameters(key):
    """A message's placeholders are the same in Indonesian and English."""
    assert _fields(ID[key]) == _fields(EN[key])


