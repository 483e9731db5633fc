"""The posyandu's Sheet: its tabs and columns (layout), the formulas that compute age, z-scores and status in the
Sheet itself (formulas), and the WHO table tabs those formulas look up (who_tabs). Pure: no I/O, no clock.

`python -m shared.sheet recalc < cases.csv > out.csv` proves the formulas against the growth engine (recalc.py runs
headless LibreOffice; it is the only module here that touches files or processes).
"""
