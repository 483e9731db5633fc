"""What a person reads, checked for what they must never read: code names (weight_kg), unfilled placeholders."""
import re

CODE_NAME = re.compile(r"(?<![_\w])[a-z]+(?:_[a-z0-9]+)+\b|[{}]")


def code_names(text: str) -> list[str]:
    """Identifiers (snake_case names, unfilled braces) in a text a person reads."""
    return CODE_NAME.findall(text)
