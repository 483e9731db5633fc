"""What the chart tests of both tiers (tests/unit and tests/exhaustive) draw and how they name a colour they see."""
import colorsys

BOY_LFA = ("lfa", "M", [(30, 53.0), (120, 60.0), (250, 66.0), (400, 71.0)])
GIRL_WFA = ("wfa", "F", [(20, 3.6), (95, 5.4), (190, 6.9), (300, 7.6)])
BOY_WFH = ("wfh", "M", [(88.0, 12.0), (92.5, 13.1), (96.0, 13.5)])
GIRL_WFL = ("wfl", "F", [(60.0, 5.6), (66.5, 7.0), (71.0, 8.4)])
CHARTS = {"boy-lfa": BOY_LFA, "girl-wfa": GIRL_WFA, "boy-wfh": BOY_WFH, "girl-wfl": GIRL_WFL}


def colour_name(rgb) -> str:
    """The everyday word for an ink: what a parent would call the line."""
    hue, saturation, _ = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    hue *= 360
    if saturation < 0.15:
        return "grey"
    if hue < 15 or hue >= 345:
        return "red"
    if hue < 40:
        return "orange"
    if hue < 70:
        return "yellow"
    return "green" if hue < 170 else "other"
