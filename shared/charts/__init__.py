"""Growth chart pictures for WhatsApp: WHO curves and the child's points as PNG bytes; pure, no I/O.

Importing this package is cheap (standard library and the growth engine); Pillow loads on the first drawing.
"""
from shared.charts.captions import caption_for, caption_key
from shared.charts.layout import Layout, check_points, layout_for, wfl_indicator_for
from shared.charts.render import CHART_VERSION, chart_key, render_chart

__all__ = ["CHART_VERSION", "Layout", "caption_for", "caption_key", "chart_key", "check_points", "layout_for",
           "render_chart", "wfl_indicator_for"]
