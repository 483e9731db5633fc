"""Typed errors of the growth domain: a value no child can have, or a child the standards do not cover."""
from shared.errors import InvalidInput, OutsideStandard


class InvalidMeasurement(InvalidInput, ValueError):
    """A value no child can have (negative age, sex code other than 1/2): a caller's bug, not a user typo."""

    def __init__(self, key: str, detail: str = ""):
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key  # stable English key; the message catalogue turns it into text


class OutsideGrowthStandard(OutsideStandard, ValueError):
    """The child is outside what Tumbuh's growth standards cover (for example 60 months or older)."""

    def __init__(self, key: str, detail: str = ""):
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key
