"""Positions: the rules of a position, its form, its pages and its JSON API."""
