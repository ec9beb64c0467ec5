"""The data inventory of the reporting tables: every column, personal data or not, whose and why.

The same form as ``candidates/inventory.py`` (``kit/inventory.py``). :data:`TABLES` and
:data:`INVENTORY` are the tables of people, one row per candidate's outcome or participant
data; ``tests/reporting/test_inventory.py`` checks them against the models both ways.
:data:`PROGRAMME_TABLES` and :data:`PROGRAMME_INVENTORY` are the programme's own work: the
pilot trainer trainings and the dissemination events hold counts, not people, and the
six-monthly reports hold counts, the coordinator's text and who froze them. A frozen report
also keeps, to re-explain each figure later, the ids of the records it counted (candidate,
placement, decision, certificate, outcome and organisation numbers: pseudonymous, shown to the
coordinator only, never to the steering committee and in no export). It names no candidate,
but those ids are still personal data in the programme's hands (GDPR recital 26), and a
frozen report is never changed, so erasing a candidate leaves their id in it (the next
report shows it as removed).

Legal bases (GDPR art. 6): the programme's public task of guidance and validation, whose
results it reports to its funder (6(1)(e)); and, for the ESF+ participant data, the
funder's reporting obligation (6(1)(c); Regulation (EU) 2021/1057, Annex I), recorded row by
row in ``legal_basis``. That table holds two special categories (GDPR art. 9): disability
(health) and belonging to a minority. Every indicator may be left undisclosed, only the
coordinator reads it, and it leaves the portal only as totals with small counts suppressed.
The staff who record outcomes and participant data or freeze a report are named by id (and
a report's freezer by name), for accountability, on the same bases.
"""

from __future__ import annotations

from kit.inventory import (
    CANDIDATE,
    NOBODY,
    TASK,
    USER,
    InventoryEntry,
    entries,
    personal_in,
)

TABLES: tuple[str, ...] = ("reporting_outcome", "reporting_participant")
PROGRAMME_TABLES: tuple[str, ...] = ("reporting_training", "reporting_event", "reporting_report")

RESULTS = f"{TASK}: the programme's results, reported to the funder"
ESF = "legal obligation: ESF+ common indicators (Regulation (EU) 2021/1057, Annex I), as totals"
SPECIAL = f"{ESF}; special category (GDPR art. 9)"
ACTIVITIES = f"{TASK}: the programme's activities, reported to the funder"
REPORT = f"{TASK}: the six-monthly report to the funder"


INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "reporting_outcome",
        ("candidate_id", True, CANDIDATE, f"{RESULTS}: links the outcome to the client"),
        (
            "kind",
            True,
            CANDIDATE,
            f"{RESULTS}: what followed (work, education, shortened studies)",
        ),
        ("employer_name", True, CANDIDATE, f"{RESULTS}: where the client was employed"),
        ("organisation_id", True, CANDIDATE, f"{RESULTS}: the partner that employed the client"),
        (
            "starts_on",
            True,
            CANDIDATE,
            f"{RESULTS}: when the outcome began (counted per period)",
        ),
        ("ends_on", True, CANDIDATE, f"{RESULTS}: short- or long-term employment"),
        (
            "units_recognised",
            True,
            CANDIDATE,
            f"{RESULTS}: which units shortened the client's studies (JSON list of unit ids)",
        ),
        ("source", True, CANDIDATE, f"{RESULTS}: how reliable the information is"),
        ("source_note", True, CANDIDATE, f"{RESULTS}: how reliable the information is"),
        ("note", True, CANDIDATE, f"{TASK}: the counsellor's follow-up"),
        ("recorded_by_id", True, USER, f"{TASK}: who recorded the outcome"),
    )
    + entries(
        "reporting_participant",
        ("candidate_id", True, CANDIDATE, f"{ESF}: one row per participant"),
        ("labour_market_status", True, CANDIDATE, f"{ESF}: labour-market status at entry"),
        ("age_band", True, CANDIDATE, f"{ESF}: age band at entry"),
        ("isced_level", True, CANDIDATE, f"{ESF}: education level at entry"),
        ("gender", True, CANDIDATE, f"{ESF}: participants by gender"),
        ("disability", True, CANDIDATE, f"{SPECIAL}: participants with disabilities"),
        ("third_country_national", True, CANDIDATE, f"{ESF}: third-country nationals"),
        (
            "foreign_background",
            True,
            CANDIDATE,
            f"{ESF}: participants with a foreign background",
        ),
        ("minority", True, CANDIDATE, f"{SPECIAL}: minorities"),
        ("homeless", True, CANDIDATE, f"{ESF}: homeless or affected by housing exclusion"),
        (
            "legal_basis",
            False,
            NOBODY,
            f"{ESF}: on what basis the row is kept (accountability)",
        ),
        ("recorded_on", True, CANDIDATE, f"{ESF}: when the participant gave the data"),
        ("recorded_by_id", True, USER, f"{ESF}: who recorded the data"),
    )
)

PROGRAMME_INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "reporting_training",
        ("title", False, NOBODY, f"{ACTIVITIES}: the pilot trainer training"),
        ("organisation_name", False, NOBODY, f"{ACTIVITIES}: the training organisation"),
        (
            "organisation_id",
            False,
            NOBODY,
            f"{ACTIVITIES}: the training organisation, when it is in the organisation table",
        ),
        ("starts_on", False, NOBODY, f"{ACTIVITIES}: when the training began"),
        ("ends_on", False, NOBODY, f"{ACTIVITIES}: when the training ended"),
        ("counsellors", False, NOBODY, f"{ACTIVITIES}: how many counsellors took part (a count)"),
        ("teachers", False, NOBODY, f"{ACTIVITIES}: how many teachers took part (a count)"),
        ("others", False, NOBODY, f"{ACTIVITIES}: how many others took part (a count)"),
        ("note", False, NOBODY, f"{ACTIVITIES}: the coordinator's note on the training"),
    )
    + entries(
        "reporting_event",
        ("held_on", False, NOBODY, f"{ACTIVITIES}: when the event was held"),
        ("title", False, NOBODY, f"{ACTIVITIES}: the event or publication"),
        ("kind", False, NOBODY, f"{ACTIVITIES}: seminar, workshop, publication and so on"),
        ("audience", False, NOBODY, f"{ACTIVITIES}: whom it was for, described in words"),
        ("attendees", False, NOBODY, f"{ACTIVITIES}: how many it reached (a count)"),
        ("note", False, NOBODY, f"{ACTIVITIES}: the coordinator's note on the event"),
    )
    + entries(
        "reporting_report",
        ("period_starts_on", False, NOBODY, f"{REPORT}: the period's first day"),
        ("period_ends_on", False, NOBODY, f"{REPORT}: the period's last day"),
        ("status", False, NOBODY, f"{REPORT}: draft or frozen"),
        ("achievements", False, NOBODY, f"{REPORT}: the coordinator's text on the programme"),
        ("empowerment", False, NOBODY, f"{REPORT}: the coordinator's text on the programme"),
        ("problems", False, NOBODY, f"{REPORT}: the coordinator's text on the programme"),
        ("next_steps", False, NOBODY, f"{REPORT}: the coordinator's text on the programme"),
        (
            "figures",
            True,
            CANDIDATE,
            f"{REPORT}: JSON snapshot frozen with the report: each indicator's definition,"
            " its period and cumulative figures with the ids of the records counted"
            " (candidates, placements, decisions, certificates, outcomes, organisations,"
            " trainings, events),"
            " the corrections with ids added and removed, and the participant totals"
            " (suppressed); pseudonymous, never changed once frozen",
        ),
        ("frozen_at", False, NOBODY, f"{REPORT}: when the report was frozen"),
        ("frozen_by_id", True, USER, f"{REPORT}: who froze the report (accountability)"),
        (
            "frozen_by_name",
            True,
            USER,
            f"{REPORT}: who froze the report, as named then (a signature)",
        ),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (about ``subject`` only, when given), for
    the person's own copy and erasure."""
    return personal_in(INVENTORY + PROGRAMME_INVENTORY, table, subject)
