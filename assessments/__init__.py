"""The triad assessment of a placement (BRIEF section 3, Assessment): above placements."""
