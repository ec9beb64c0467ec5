"""On-the-job training: positions, the review of the engine's matches, and placements.

- :mod:`placements.positions`: the rules of a position, its form, its pages and its JSON API.
- :mod:`placements.review`: suggestions, counsellors' decisions, the oversight record and the
  coordinator's assignment proposal.
- :mod:`placements.lifecycle`: proposals to employers, placements and monitoring visits.

:mod:`placements.models` holds the tables of all three. Each sub-package imports only those
listed before it.
"""
