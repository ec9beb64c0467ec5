"""The regions (maakunnat) of Finland, one list for every form and rule that names a region.

Stored by these English names (translated for display): organisations, positions and
candidates keep them, and matching compares a candidate's regions with a position's region
by name. Part of the portal's web kit, so any domain may import it; it imports only
:mod:`kit.i18n`.
"""

from __future__ import annotations

from kit.i18n import N_

REGIONS: tuple[str, ...] = (
    N_("Uusimaa"),
    N_("Southwest Finland"),
    N_("Satakunta"),
    N_("Kanta-Häme"),
    N_("Pirkanmaa"),
    N_("Päijät-Häme"),
    N_("Kymenlaakso"),
    N_("South Karelia"),
    N_("South Savo"),
    N_("North Savo"),
    N_("North Karelia"),
    N_("Central Finland"),
    N_("South Ostrobothnia"),
    N_("Ostrobothnia"),
    N_("Central Ostrobothnia"),
    N_("North Ostrobothnia"),
    N_("Kainuu"),
    N_("Lapland"),
    N_("Åland"),
)
