"""What a person can plausibly type for a child's measurement, as (lowest, highest) in the unit named.

A typed value outside its range is asked again; one inside is kept, and WHO's own plausibility flags judge the
result afterwards. So the ranges are wide on purpose: they catch slips of the finger (7,6 for 76), not children
who are small or large for their age.
"""

WEIGHT_KG = (0.5, 60.0)
# Asked or inside a free-text message ("bb 9,1 tb 76") alike: over 150 cm is beyond +6 SD for any child under
# five, so it is a slip (a parent's own height, 1,50 m), asked again rather than kept.
LENHEI_CM = (35.0, 150.0)
HEADC_CM = (25.0, 60.0)
ARMC_CM = (5.0, 35.0)
