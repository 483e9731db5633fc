"""The words on a growth chart: title, axis titles and the one caption sentence, all from the message catalogue.

Pure: picks catalogue keys from the indicator and the latest point's Permenkes 2/2020 category; no drawing here.
"""
from shared.charts.bands import SCHEMES
from shared.flows.messages import render

# Catalogue key prefix per chart; the key ends with the category of the band the point is drawn on, from the
# same classifier bands.py draws the bands with, so the sentence and the colour under the dot agree.
_CAPTION = {"lfa": "chart_caption_lfa_", "wfa": "chart_caption_wfa_", "wfl": "chart_caption_wfl_",
            "wfh": "chart_caption_wfl_"}  # wfh: same BB/PB-BB/TB classes and sentences
_Y_AXIS = {"lfa": "chart_axis_lenhei_cm", "wfa": "chart_axis_weight_kg", "wfl": "chart_axis_weight_kg",
           "wfh": "chart_axis_weight_kg"}
NAME_MAX_CHARS = 22  # a longer name is cut with "...", so the sex after it stays on the title bar
_X_AXIS = {"lfa": "chart_axis_age_months", "wfa": "chart_axis_age_months", "wfl": "chart_axis_length_cm",
           "wfh": "chart_axis_height_cm"}


def caption_key(indicator: str, z: float | None) -> str:
    """Catalogue key of the sentence for the latest point's z (rounded and classified as Permenkes 2/2020)."""
    if z is None or z != z:
        return "chart_caption_none"
    return _CAPTION[indicator] + SCHEMES[indicator].classify(z).value


def caption_for(indicator: str, z: float | None, lang: str) -> str:
    """The one sentence under a chart saying where the latest point lies, in the person's language."""
    return render(caption_key(indicator, z), lang)


def chart_texts(indicator: str, sex: str, lang: str, child_name: str) -> dict[str, str]:
    """Title, subtitle and axis titles of a chart in the person's language."""
    if len(child_name) > NAME_MAX_CHARS:
        child_name = child_name[: NAME_MAX_CHARS - 3].rstrip() + "..."
    subtitle = render("chart_subtitle", lang, name=child_name, sex=render(f"chart_sex_{sex.lower()}", lang))
    return {
        "title": render(f"chart_title_{indicator}", lang),
        "subtitle": subtitle if child_name else render(f"chart_sex_{sex.lower()}", lang).capitalize(),
        "x_axis": render(_X_AXIS[indicator], lang),
        "y_axis": render(_Y_AXIS[indicator], lang),
        "source": render("chart_source", lang),
    }
