"""The placement lifecycle: proposals to employers, placements and monitoring visits."""
