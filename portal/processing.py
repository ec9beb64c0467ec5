"""The record of processing activities (GDPR article 30) and the privacy notice, from the
data inventory.

Each :class:`Activity` names the purposes of the inventory it covers (the text before the
first detail of an entry's purpose, such as ``kit.inventory.TASK``). Every personal column of
the inventory belongs to exactly one activity, by the longest purpose it starts with;
``tests/portal/test_processing.py`` fails on a purpose no activity covers, so a new kind of
processing cannot appear in the schema without being described here. What data each
activity processes, about whom, is read from the inventory when the page is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from kit.i18n import N_, gettext
from kit.inventory import ACCOUNTABILITY, AUDIT, CONSENT, PARTNERSHIP, RECORD, SECURITY, TASK
from kit.inventory import CANDIDATE as CANDIDATE_SUBJECT
from kit.inventory import ORGANISATION as ORGANISATION_SUBJECT
from kit.inventory import USER as USER_SUBJECT
from portal.inventory import all_entries

SUBJECT_LABELS = {
    CANDIDATE_SUBJECT: N_("Candidates (immigrant clients)"),
    USER_SUBJECT: N_(
        "Users: staff, employers' contact persons, workplace tutors, steering committee"
    ),
    ORGANISATION_SUBJECT: N_("Contact persons named by partner organisations"),
}


@dataclass(frozen=True)
class Activity:
    key: str
    name: str
    purpose: str
    legal_basis: str
    recipients: str
    retention: str
    # The inventory's purposes this activity covers (an entry's purpose starts with one).
    purposes: tuple[str, ...]


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        key="guidance",
        name=N_("Guidance and validation of competences"),
        purpose=N_(
            "Guiding immigrant clients, recording their competences and evidence, and having"
            " teachers verify them in interviews."
        ),
        legal_basis=N_(
            "A task carried out in the public interest: vocational education and guidance"
            " (GDPR art. 6(1)(e))."
        ),
        recipients=N_(
            "The client's counsellor, counsellors the coordinator opens the record to, the"
            " teachers who interview the client, and the coordinator."
        ),
        retention=N_(
            "Until nothing in the record has changed for %(years)d years; then it is erased"
            " (isok privacy retention), or earlier at the client's request."
        ),
        purposes=(
            TASK,
            "public task: guidance and validation",
            f"{RECORD}: the change log that keeps the live matching index up to date",
        ),
    ),
    Activity(
        key="placement",
        name=N_("Match review and on-the-job training placements"),
        purpose=N_(
            "Suggesting clients for partners' training positions, the counsellor's decision on"
            " each suggestion, proposals to employers, placements and monitoring visits."
        ),
        legal_basis=N_(
            "Public task (GDPR art. 6(1)(e)); showing a client's profile to employers only with"
            " the client's consent (art. 6(1)(a))."
        ),
        recipients=N_(
            "Staff as above; an employer sees a proposed client's competences under a number,"
            " and the name only after accepting; the workplace tutor sees the placements they"
            " tutor."
        ),
        retention=N_("As the client's record."),
        purposes=(
            "public task: on-the-job training positions offered by partners",
            "public task: match review, the human decision on each suggested candidate",
            "public task: on-the-job training placements",
        ),
    ),
    Activity(
        key="assessment",
        name=N_("Assessment and certificates"),
        purpose=N_(
            "The workplace tutor's, teacher's and counsellor's assessment of the client against"
            " the learning outcomes, the teacher's decision, and the certificate."
        ),
        legal_basis=N_("Public task (GDPR art. 6(1)(e))."),
        recipients=N_(
            "The placement's assessors and staff; anyone the client gives a certificate's code"
            " to can check it on the public verification page."
        ),
        retention=N_(
            "As the client's record; after erasure an issued certificate stays verifiable"
            " without the name."
        ),
        purposes=(
            "public task: assessment of the client's competences in the placement",
            "public task: certification of the client's competences",
        ),
    ),
    Activity(
        key="reporting",
        name=N_("Reporting to the funder"),
        purpose=N_(
            "The programme's indicators, outcomes after placements, and the ESF+ participant"
            " data the funder requires, reported as totals."
        ),
        legal_basis=N_(
            "Legal obligation: the ESF+ regulation (EU) 2021/1057 (GDPR art. 6(1)(c)); the"
            " special categories only as the regulation requires (art. 9(2)(g))."
        ),
        recipients=N_(
            "The coordinator; the steering committee and the funder see totals only, never a"
            " person."
        ),
        retention=N_(
            "As the client's record; frozen six-monthly reports hold totals only and are kept."
        ),
        purposes=(
            "legal obligation: ESF+ common indicators",
            f"{TASK}: the programme's results, reported to the funder",
            f"{TASK}: the programme's activities, reported to the funder",
            f"{TASK}: the six-monthly report to the funder",
        ),
    ),
    Activity(
        key="consent",
        name=N_("Records of consent"),
        purpose=N_(
            "Showing which consent a client gave or withdrew, when, with the exact text shown."
        ),
        legal_basis=N_("Accountability for consent (GDPR art. 7(1) and 5(2))."),
        recipients=N_("The client and the staff who keep the record."),
        retention=N_("As the client's record."),
        purposes=(CONSENT,),
    ),
    Activity(
        key="accounts",
        name=N_("User accounts and security"),
        purpose=N_(
            "Who may sign in and in which role; sessions, sign-in attempts and password links."
        ),
        legal_basis=N_(
            "Public task for staff and clients (GDPR art. 6(1)(e)); for partners' staff the"
            " legitimate interest in a secure service (art. 6(1)(f)); security of processing"
            " (art. 32)."
        ),
        recipients=N_(
            "The coordinator (the programme's accounts) and each organisation's contact."
        ),
        retention=N_(
            "While the account is used; sessions end after hours, password links after three"
            " days at most; a client's account is erased with their record."
        ),
        purposes=("user accounts", SECURITY),
    ),
    Activity(
        key="partnership",
        name=N_("Partner organisations"),
        purpose=N_(
            "Organisations' applications, partnership decisions, their contact persons and"
            " tutors, and their multicultural readiness."
        ),
        legal_basis=N_(
            "The partnership agreement and the programme's legitimate interest (GDPR art."
            " 6(1)(b) and (f))."
        ),
        recipients=N_("The coordinator and counsellors; the organisation's own people."),
        retention=N_("While the organisation is a partner, and as its agreement requires."),
        purposes=(PARTNERSHIP,),
    ),
    Activity(
        key="accountability",
        name=N_("Accountability: the audit trail and the access log"),
        purpose=N_(
            "Who changed what and when, and who opened a client's record: for the security of"
            " the processing and to answer for it."
        ),
        legal_basis=N_("Accountability and security (GDPR art. 5(2), 24 and 32)."),
        recipients=N_("The coordinator; the client sees the log of their own record."),
        retention=N_(
            "As the record it is about; erasure empties the old values and removes the name."
        ),
        purposes=(ACCOUNTABILITY, AUDIT, "accountability", RECORD),
    ),
)


def activity_of(purpose: str) -> Activity | None:
    """The activity whose purpose ``purpose`` starts with (the longest such), or None."""
    best: tuple[int, Activity] | None = None
    for activity in ACTIVITIES:
        for prefix in activity.purposes:
            if purpose.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), activity)
    return best[1] if best else None


@dataclass(frozen=True)
class ActivityRecord:
    """One activity as the record shows it, with the data it processes about whom."""

    activity: Activity
    subjects: list[str]
    # (table, its personal columns) in the inventory's order.
    data: list[tuple[str, list[str]]]


def record_of_processing() -> list[ActivityRecord]:
    """Every activity with what the inventory says it processes (the inventory's order)."""
    columns: dict[str, dict[str, list[str]]] = {activity.key: {} for activity in ACTIVITIES}
    subjects: dict[str, set[str]] = {activity.key: set() for activity in ACTIVITIES}
    for entry in all_entries():
        if not entry.personal:
            continue
        activity = activity_of(entry.purpose)
        if activity is None:
            continue
        columns[activity.key].setdefault(entry.table, []).append(entry.column)
        subjects[activity.key].add(entry.subject)
    return [
        ActivityRecord(
            activity=activity,
            subjects=[
                gettext(SUBJECT_LABELS[s]) for s in SUBJECT_LABELS if s in subjects[activity.key]
            ],
            data=list(columns[activity.key].items()),
        )
        for activity in ACTIVITIES
    ]
