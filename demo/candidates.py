"""Demo candidates: a programme's worth of ISOK clients in Eastern Finland (``isok demo seed``).

Idempotent: when any candidate exists, nothing is added. Otherwise 321 candidates are created,
as many as the original ISOK project had clients (127 long-term, 194 short-term), at every
stage of the pathway, with languages, portfolios, consent, guidance notes and teacher
interviews. Everything is drawn from ``random.Random(2027)``; dates are relative to today, and
each portfolio's claims are dated the day it was begun (the dashboard counts a candidate as
started on their first claim).

The first candidate (id 1 in a fresh demo database) is a fixed example that tests and the
route-policy matrix can rely on: in the demo counsellor's caseload, at the on-the-job training
stage, with claims 1-3 mapped to the logistics framework (LOG-U1-01, LOG-U2-01, LOG-U1-03) and
claim 4 unmapped free text, evidence 1 a description without a file, consent for validation
and for sharing with employers, guidance notes, and interview 1 completed by the demo teacher
(LOG-U1-01 verified at 4, LOG-U2-01 at 2, LOG-U1-03 not demonstrated).

All people are invented. Names are combined from name lists of the language communities the
programme served, only so that the demo looks like the real caseload: nothing about origin is
stored (languages are recorded because work needs them), and the seeder keeps no gender, age
or nationality. E-mail addresses use the reserved ``.test`` top-level domain.

Needs the demo users (counsellor, teacher) and the LOG, CLE and CAT frameworks; without them
it creates nothing and returns 0.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from candidates.consent import GIVEN_TEXTS, WITHDRAWN_TEXTS
from candidates.models import (
    AcquiredHow,
    Candidate,
    CandidateLanguage,
    Claim,
    ClientType,
    ConsentPurpose,
    ConsentRecord,
    EvidenceItem,
    GuidanceNote,
    Interview,
    InterviewStatus,
    LanguageAssessment,
    Stage,
    VerifiedCompetence,
)
from competences.models import Competence, Framework, Unit
from employers.models import Organisation, PartnershipStatus

SEED = 2027
COORDINATOR_EMAIL = "coordinator@demo.test"
COUNSELLOR_EMAIL = "counsellor@demo.test"
TEACHER_EMAIL = "teacher@demo.test"
FRAMEWORKS = ("LOG", "CLE", "CAT")
BATCH_SIZE = 80  # candidates per flush (two flushes per batch)


STAGES = tuple(Stage)
# (stage, long-term, short-term): 127 long-term and 194 short-term clients in all, as in the
# original project; long-term clients reach the later stages more often.
STAGE_COUNTS: tuple[tuple[Stage, int, int], ...] = (
    (Stage.GUIDANCE, 18, 44),
    (Stage.PORTFOLIO, 24, 46),
    (Stage.INTERVIEW, 20, 32),
    (Stage.PLACEMENT, 25, 32),
    (Stage.ASSESSMENT, 40, 40),
    # "Certified" follows issued certificates: the demo issues one in demo/certificates.py.
    (Stage.CERTIFIED, 0, 0),
)
UNASSIGNED = 6  # new clients at the guidance stage not yet given a counsellor

# Where the clients live (weights): mostly North Savo, North Karelia and South Savo.
MUNICIPALITIES: tuple[tuple[str, str, int], ...] = (
    ("Kuopio", "North Savo", 30),
    ("Siilinjärvi", "North Savo", 5),
    ("Iisalmi", "North Savo", 5),
    ("Varkaus", "North Savo", 5),
    ("Suonenjoki", "North Savo", 2),
    ("Leppävirta", "North Savo", 2),
    ("Lapinlahti", "North Savo", 1),
    ("Joensuu", "North Karelia", 18),
    ("Lieksa", "North Karelia", 3),
    ("Nurmes", "North Karelia", 2),
    ("Kitee", "North Karelia", 2),
    ("Outokumpu", "North Karelia", 2),
    ("Kontiolahti", "North Karelia", 2),
    ("Mikkeli", "South Savo", 10),
    ("Savonlinna", "South Savo", 6),
    ("Pieksämäki", "South Savo", 3),
    ("Juva", "South Savo", 1),
    ("Jyväskylä", "Central Finland", 2),
    ("Kajaani", "Kainuu", 1),
    ("Lappeenranta", "South Karelia", 1),
)
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "North Savo": ("North Karelia", "South Savo", "Central Finland", "Kainuu"),
    "North Karelia": ("North Savo", "South Savo", "Kainuu", "South Karelia"),
    "South Savo": ("North Savo", "North Karelia", "South Karelia", "Central Finland"),
    "Central Finland": ("North Savo", "South Savo"),
    "Kainuu": ("North Savo", "North Karelia"),
    "South Karelia": ("South Savo", "North Karelia"),
}
INTERVIEW_PLACES: dict[str, str] = {
    "North Savo": "Savon ammattiopisto, Kuopio",
    "North Karelia": "Vocational college, Joensuu campus",
    "South Savo": "Vocational college, Mikkeli campus",
}
REMOTE_INTERVIEW = "Video call"

AVAILABILITY_NOTES = (
    "Full-time; shift work possible.",
    "Full-time, weekdays.",
    "Weekdays 8-16; Finnish course in the evenings.",
    "Part-time, up to 25 hours a week.",
    "After the integration course ends.",
    "Full-time; has a driving licence (B).",
    "Mornings and evenings; Finnish course in the afternoons.",
    "",
)


@dataclass(frozen=True)
class Background:
    """Names and languages that go together, only to make plausible demo people.

    ``families`` gives "masculine/feminine" where a family name has two forms. ``others``:
    (language, probability, possible levels) of further languages spoken.
    """

    weight: int
    women: tuple[str, ...]
    men: tuple[str, ...]
    families: tuple[str, ...]
    home: str
    others: tuple[tuple[str, float, tuple[str, ...]], ...] = ()
    english: float = 0.4
    english_levels: tuple[str, ...] = ("A2", "A2", "B1", "B1", "B1", "B2", "B2", "C1")


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(","))


BACKGROUNDS: tuple[Background, ...] = (
    Background(
        20,
        _names("Yara, Lina, Hiba, Rana, Dima, Maha, Reem, Salma, Nour, Rasha"),
        _names("Rami, Omar, Khaled, Samir, Tareq, Walid, Bassam, Fadi, Ammar, Yousef"),
        _names(
            "Haddad, Nassar, Al-Rifai, Saleh, Al-Obaidi, Qasim, Mansour, Rahal, Shami, Zaher,"
            " Barakat, Al-Jubouri"
        ),
        "ar",
        english=0.45,
    ),
    Background(
        7,
        _names("Shilan, Dilan, Nazdar, Avin, Rojda, Berivan"),
        _names("Rebaz, Karwan, Hozan, Sirwan, Baran, Shwan"),
        _names("Qadir, Hawrami, Rashid, Faraj, Abdulla, Karim, Mustafa, Salih"),
        "ku",
        (("ar", 0.6, ("B1", "B2", "C1")),),
        english=0.3,
    ),
    Background(
        11,
        _names("Hodan, Faadumo, Ifrah, Sagal, Hamdi, Nimco, Ubah, Sahra, Hibaaq"),
        _names("Abdirahman, Mahad, Liban, Abdullahi, Khadar, Guled, Mustafe, Abdiwali"),
        _names("Warsame, Jama, Abdi, Hassan, Egal, Osman, Aden, Yusuf, Nur, Ismail, Hersi"),
        "so",
        (("ar", 0.3, ("A2", "B1")),),
        english=0.45,
    ),
    Background(
        10,
        _names("Zahra, Mariam, Nasrin, Shabnam, Parwin, Fereshta, Marzia, Sima"),
        _names("Farid, Habib, Rahim, Jawad, Sohail, Naweed, Mustafa, Qasim"),
        _names(
            "Ahmadi, Rahimi, Karimi, Hashimi, Sultani, Noori, Haidari, Jalali, Sharifi, Azizi,"
            " Popal, Wardak"
        ),
        "prs",  # Dari (ISO 639-3; it has no two-letter code)
        (("ps", 0.25, ("A2", "B1", "B2", "C1")),),
        english=0.3,
    ),
    Background(
        5,
        _names("Shirin, Leila, Nasim, Mahsa, Parisa, Golnaz"),
        _names("Arash, Babak, Kaveh, Dariush, Farhad, Behnam"),
        _names(
            "Mohammadi, Rezaei, Hosseini, Nikpour, Bahrami, Kazemi, Sadeghi, Jafari, Ghorbani,"
            " Tavakoli"
        ),
        "fa",
        english=0.6,
    ),
    Background(
        11,
        _names("Irina, Natalia, Olga, Tatiana, Svetlana, Yulia, Marina, Elena, Galina"),
        _names("Dmitri, Sergei, Alexei, Pavel, Andrei, Nikolai, Igor, Maxim, Vadim"),
        _names(
            "Volkov/Volkova, Morozov/Morozova, Sokolov/Sokolova, Lebedev/Lebedeva,"
            " Kuznetsov/Kuznetsova, Orlov/Orlova, Belov/Belova, Zaitsev/Zaitseva,"
            " Nikitin/Nikitina, Gromov/Gromova"
        ),
        "ru",
        english=0.35,
    ),
    Background(
        12,
        _names("Oksana, Kateryna, Iryna, Olena, Halyna, Sofiia, Nataliia, Liudmyla"),
        _names("Taras, Bohdan, Mykola, Yurii, Vasyl, Andrii, Oleksandr, Serhii"),
        _names(
            "Kovalenko, Shevchuk, Bondarenko, Tkachenko, Melnyk, Lysenko, Marchenko, Savchuk,"
            " Hnatiuk, Polishchuk, Moroz, Kovalchuk"
        ),
        "uk",
        (("ru", 0.7, ("B2", "C1", "C2")),),
        english=0.4,
    ),
    Background(
        6,
        _names("Senait, Helen, Mebrat, Selam, Freweini, Luwam, Saba"),
        _names("Yonas, Filmon, Tesfay, Dawit, Robel, Kidane, Samuel"),
        _names(
            "Tesfamariam, Ghebremedhin, Haile, Berhane, Woldu, Kahsay, Mehari, Tekle, Asmerom,"
            " Gebrezgi"
        ),
        "ti",
        (("am", 0.3, ("B1", "B2")), ("ar", 0.2, ("A2", "B1"))),
        english=0.5,
    ),
    Background(
        4,
        _names("Siriporn, Nittaya, Kanya, Wanida, Ratana, Pim"),
        _names("Somchai, Prasert, Anan, Chaiwat"),
        _names("Srisuk, Boonmee, Chaiyasit, Wongsawat, Kaewmanee, Sukprasert"),
        "th",
        english=0.4,
    ),
    Background(
        3,
        _names("Lan, Hoa, Thao, Mai, Linh"),
        _names("Minh, Tuan, Quang, Duc, Hung"),
        _names("Nguyen, Tran, Le, Pham, Vu, Do, Hoang"),
        "vi",
        english=0.35,
    ),
    Background(
        4,
        _names("Grâce, Esther, Aline, Divine, Nadège"),
        _names("Patrick, Jean-Pierre, Christian, Fiston, Blaise"),
        _names("Mukendi, Kabongo, Ilunga, Mbuyi, Tshibanda, Kalala, Mwamba"),
        "ln",
        (("fr", 0.9, ("B2", "C1", "C2")), ("sw", 0.5, ("B2", "C1", "C2"))),
        english=0.3,
    ),
    Background(
        2,
        _names("Kadri, Tiina, Kristiina, Liis"),
        _names("Margus, Rein, Toomas, Andres"),
        _names("Tamm, Saar, Kask, Mägi, Rebane, Kuusk, Lepik"),
        "et",
        (("ru", 0.4, ("B1", "B2", "C1")),),
        english=0.6,
    ),
    Background(
        3,
        _names("Maricel, Rowena, Liezl, Jovelyn"),
        _names("Jomar, Arnel, Rodel, Jayson"),
        _names("Dela Cruz, Villanueva, Bautista, Mercado, Santos, Reyes, Garcia"),
        "tl",
        english=1.0,
        english_levels=("B2", "B2", "C1"),
    ),
)

FIELD_NAMES = {
    "LOG": "logistics and warehousing",
    "CLE": "cleaning and property services",
    "CAT": "restaurant and catering",
}
FIELD_WEIGHTS = {"LOG": 40, "CLE": 35, "CAT": 25}

# Where and how a competence was acquired, per field: (where, how).
ACQUIRED: dict[str, tuple[tuple[str, AcquiredHow], ...]] = {
    "LOG": (
        ("Warehouse of a building-materials wholesaler", AcquiredHow.WORK_HISTORY),
        ("Distribution centre of a grocery chain", AcquiredHow.WORK_HISTORY),
        ("Port warehouse", AcquiredHow.WORK_HISTORY),
        ("Summer job in a warehouse in Finland", AcquiredHow.WORK_HISTORY),
        ("Family shop: deliveries and stockroom", AcquiredHow.INFORMAL),
        ("Vocational school, logistics programme (abroad)", AcquiredHow.EDUCATION_ABROAD),
        ("Supply depot during military service", AcquiredHow.OTHER),
    ),
    "CLE": (
        ("Hotel housekeeping", AcquiredHow.WORK_HISTORY),
        ("Hospital cleaning team", AcquiredHow.WORK_HISTORY),
        ("Office cleaning company", AcquiredHow.WORK_HISTORY),
        ("Caretaker of an apartment building", AcquiredHow.WORK_HISTORY),
        ("Cleaning for neighbours and relatives", AcquiredHow.INFORMAL),
        ("Volunteer at a reception centre", AcquiredHow.INFORMAL),
        ("Hygiene course at a vocational school (abroad)", AcquiredHow.EDUCATION_ABROAD),
    ),
    "CAT": (
        ("Restaurant kitchen", AcquiredHow.WORK_HISTORY),
        ("School canteen", AcquiredHow.WORK_HISTORY),
        ("Bakery", AcquiredHow.WORK_HISTORY),
        ("Family restaurant", AcquiredHow.WORK_HISTORY),
        ("Catering for weddings and family events", AcquiredHow.INFORMAL),
        ("Volunteer kitchen of an association", AcquiredHow.INFORMAL),
        ("Cooking course at a vocational school (abroad)", AcquiredHow.EDUCATION_ABROAD),
    ),
}
# Competences that do not map to any of the sample frameworks: kept as free text, flagged.
FREE_TEXT_CLAIMS = (
    "Driving a delivery van (driving licence B)",
    "Sewing and tailoring repairs",
    "Mobile phone repair",
    "Hairdressing",
    "Bookkeeping in a family shop",
    "Car mechanic work",
    "Tiling bathrooms",
    "Interpreting for an aid organisation",
    "Looking after children in a day-care group",
    "Welding (MIG)",
    "Selling at a market stall",
    "Painting apartments",
    "Computer support for a school",
)
CLAIM_EVIDENCE_TITLES = (
    "Description of work tasks",
    "Employer's reference (described)",
    "Certificate from abroad (described)",
    "Photos of own work (described)",
)
INTERVIEW_TASKS = {
    "LOG": "Practical tasks in the training warehouse: receiving a delivery against its "
    "documents, picking an order and a drive on the forklift practice track.",
    "CLE": "Practical tasks in the training premises: daily cleaning of a classroom and a "
    "washroom, choosing and dosing cleaning agents.",
    "CAT": "Practical tasks in the training kitchen: a lunch dish from a standard recipe, "
    "temperature records and cleaning after service.",
}
# Guidance notes at each milestone of the pathway ({field}: the field's name).
MILESTONE_NOTES: dict[Stage, tuple[str, ...]] = {
    Stage.GUIDANCE: (
        "First meeting. Went through work history and studies; most interested in {field}. "
        "Consent for validation recorded.",
        "First meeting with an interpreter. Talked about earlier work and the kind of work "
        "wanted in Finland; {field} looks closest.",
    ),
    Stage.PORTFOLIO: (
        "Started the portfolio: listed the main work tasks and matched them to the {field} "
        "qualification units.",
        "Portfolio meeting: no certificates from abroad, so we wrote descriptions of the "
        "earlier work instead.",
    ),
    Stage.INTERVIEW: (
        "Teacher interview done; went through claimed and verified levels together.",
        "Haastattelu ammattiopettajan kanssa pidetty. Osa tasoista ilmoitettua matalampia; "
        "sovittiin, mitä harjoitellaan työssäoppimisjakson aikana.",
    ),
    Stage.PLACEMENT: (
        "Looking for an on-the-job training place in {field}; profile shared with partner "
        "employers.",
        "On-the-job training agreed with a partner employer; the workplace tutor is named.",
    ),
    Stage.ASSESSMENT: (
        "Training going well according to the workplace tutor; competence assessment being "
        "planned.",
        "Assessment of the first units booked with the teacher and the tutor.",
    ),
    Stage.CERTIFIED: (
        "Competence certificate received for the assessed units. Next: job search and the "
        "rest of the qualification.",
        "Certificate for the assessed units handed over. Talked about applying for jobs in "
        "{field}.",
    ),
}
FOLLOW_UP_NOTES = (
    "Finnish course continues; next meeting in a month.",
    "Checked the availability and the regions where work is possible.",
    "Phone call: the candidate asked about the next steps; no changes.",
)


@dataclass
class ClaimPlan:
    code: str | None  # None: free text that does not map
    free_text: str
    self_level: int
    how: AcquiredHow
    where: str
    months: int | None


@dataclass
class ResultPlan:
    code: str
    claim: int | None  # index in the candidate's claims; None: added by the teacher
    level: int | None  # None: not demonstrated
    note: str


@dataclass
class InterviewPlan:
    status: InterviewStatus
    at: datetime.datetime
    place: str
    interpreter: str = ""
    notes: str = ""
    results: list[ResultPlan] = field(default_factory=list)


@dataclass
class ConsentPlan:
    purpose: ConsentPurpose
    given: bool
    at: datetime.datetime
    language: str = "en"
    organisation: int | None = None  # sharing with a named partner: index in the partner list


@dataclass
class EvidencePlan:
    claim: int | None  # index in the candidate's claims
    title: str
    description: str


@dataclass
class CandidatePlan:
    name: str
    email: str
    phone: str
    municipality: str
    regions: list[str]
    available_from: datetime.date | None
    availability_note: str
    client_type: ClientType
    client_since: datetime.date
    assigned: bool  # in the demo counsellor's caseload
    stage: Stage
    languages: list[tuple[str, str, LanguageAssessment]]
    # When the portfolio was begun: its claims are dated then (the dashboard counts a
    # candidate as started on their first claim), a minute apart, in order.
    portfolio_begun: datetime.datetime | None = None
    claims: list[ClaimPlan] = field(default_factory=list)
    evidence: list[EvidencePlan] = field(default_factory=list)
    consents: list[ConsentPlan] = field(default_factory=list)
    notes: list[tuple[datetime.date, str]] = field(default_factory=list)
    interviews: list[InterviewPlan] = field(default_factory=list)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def _weekday(day: datetime.date) -> datetime.date:
    """The day itself, or the Monday after when it falls on a weekend."""
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum() or ch == "-")


def _phone(number: int) -> str:
    # Finland has no officially reserved range of fictional numbers that we know of (unlike
    # the UK's drama ranges). These follow the film convention "555 0xxx" so that they are
    # recognisably fake; +358 50 is a real mobile prefix, so never call or text them.
    return f"+358 50 555 {number:04d}"


def _verified(rng: random.Random, claimed: int) -> tuple[int | None, str]:
    """A teacher's finding for a claimed level: mostly as claimed, sometimes lower."""
    draw = rng.random()
    if draw < 0.08:
        return None, "Not demonstrated in the interview; to be observed during the training."
    if draw < 0.40 and claimed > 1:
        return claimed - 1, "Lower than claimed: needed guidance in parts of the task."
    if draw < 0.47 and claimed < 5:
        return claimed + 1, "Higher than claimed: worked independently and explained why."
    return claimed, "As claimed; shown in a practical task."


class _Planner:
    """Draws the demo candidates from one random generator, in a fixed order."""

    def __init__(
        self,
        rng: random.Random,
        today: datetime.date,
        competences: dict[str, list[tuple[str, str]]],
        partners: int,
    ) -> None:
        self.rng = rng
        self.today = today
        self.competences = competences  # framework code → [(competence code, English label)]
        self.labels = {code: label for items in competences.values() for code, label in items}
        self.partners = partners  # how many partner organisations there are
        self.names: set[str] = set()
        self.emails: set[str] = set()

    def plan(self) -> list[CandidatePlan]:
        slots = [
            (stage, client_type)
            for stage, long_term, short_term in STAGE_COUNTS
            for client_type, count in (
                (ClientType.LONG_TERM, long_term),
                (ClientType.SHORT_TERM, short_term),
            )
            for _ in range(count)
        ]
        slots.remove((Stage.PLACEMENT, ClientType.LONG_TERM))  # the fixed first candidate
        self.rng.shuffle(slots)
        first = self.first_candidate()
        plans = [first]
        unassigned = 0
        for number, (stage, client_type) in enumerate(slots, start=2):
            assigned = True
            if stage == Stage.GUIDANCE and unassigned < UNASSIGNED and self.rng.random() < 0.2:
                assigned = False
                unassigned += 1
            plans.append(self.candidate(number, stage, client_type, assigned=assigned))
        return plans

    def first_candidate(self) -> CandidatePlan:
        today = self.today
        since = today - datetime.timedelta(days=420)
        interviewed = _weekday(since + datetime.timedelta(days=200))
        self.names.add("Jawad Sultani")
        self.emails.add("jawad.sultani@example.test")
        where = "Warehouse of a building-materials wholesaler"
        plan = CandidatePlan(
            name="Jawad Sultani",
            email="jawad.sultani@example.test",
            phone=_phone(1),
            municipality="Kuopio",
            regions=["North Savo", "North Karelia"],
            available_from=today - datetime.timedelta(days=30),
            availability_note="Full-time; shift work possible.",
            client_type=ClientType.LONG_TERM,
            client_since=since,
            assigned=True,
            stage=Stage.PLACEMENT,
            languages=[
                ("prs", "C2", LanguageAssessment.SELF),
                ("fa", "C1", LanguageAssessment.SELF),
                ("fi", "A2", LanguageAssessment.TESTED),
                ("en", "B1", LanguageAssessment.SELF),
            ],
            portfolio_begun=_at(since + datetime.timedelta(days=40), 10, 30),
            claims=[
                ClaimPlan("LOG-U1-01", "", 4, AcquiredHow.WORK_HISTORY, where, 48),
                ClaimPlan("LOG-U2-01", "", 3, AcquiredHow.WORK_HISTORY, where, 30),
                ClaimPlan(
                    "LOG-U1-03",
                    "",
                    3,
                    AcquiredHow.WORK_HISTORY,
                    "Distribution centre of a grocery chain",
                    12,
                ),
                ClaimPlan(
                    None,
                    "Driving a delivery van (driving licence B)",
                    4,
                    AcquiredHow.WORK_HISTORY,
                    "Family shop: deliveries",
                    24,
                ),
            ],
            evidence=[
                EvidencePlan(
                    0,
                    "Description of work tasks",
                    "Four years in the warehouse of a building-materials wholesaler: checking "
                    "deliveries against the waybill, marking deviations and putting goods away. "
                    "No copy of the employer's certificate; described with the counsellor.",
                ),
                EvidencePlan(
                    1,
                    "Forklift card from abroad (described)",
                    "Holds a counterbalance forklift operator's card issued abroad in 2019; "
                    "the card itself was lost when moving.",
                ),
            ],
            consents=[
                ConsentPlan(ConsentPurpose.VALIDATION, True, _at(since, 9, 15)),
                ConsentPlan(
                    ConsentPurpose.SHARE_WITH_EMPLOYERS,
                    True,
                    _at(since + datetime.timedelta(days=40), 10),
                ),
            ],
            notes=[
                (since, MILESTONE_NOTES[Stage.GUIDANCE][1].format(field=FIELD_NAMES["LOG"])),
                (
                    since + datetime.timedelta(days=40),
                    MILESTONE_NOTES[Stage.PORTFOLIO][1].format(field=FIELD_NAMES["LOG"]),
                ),
                (interviewed, MILESTONE_NOTES[Stage.INTERVIEW][1]),
                (
                    interviewed + datetime.timedelta(days=60),
                    MILESTONE_NOTES[Stage.PLACEMENT][0].format(field=FIELD_NAMES["LOG"]),
                ),
            ],
            interviews=[
                InterviewPlan(
                    InterviewStatus.COMPLETED,
                    _at(interviewed, 7),
                    INTERVIEW_PLACES["North Savo"],
                    interpreter="prs",
                    notes=INTERVIEW_TASKS["LOG"],
                    results=[
                        ResultPlan("LOG-U1-01", 0, 4, "As claimed; shown in a practical task."),
                        ResultPlan(
                            "LOG-U2-01",
                            1,
                            2,
                            "Lower than claimed: drove safely on the practice track but needed "
                            "guidance with stacking at height.",
                        ),
                        ResultPlan(
                            "LOG-U1-03",
                            2,
                            None,
                            "Not demonstrated: no picking task was possible this time; to be "
                            "observed during the training.",
                        ),
                    ],
                )
            ],
        )
        return plan

    def name(self, background: Background) -> str:
        for _ in range(50):
            woman = self.rng.random() < 0.5
            given = self.rng.choice(background.women if woman else background.men)
            family = self.rng.choice(background.families)
            if "/" in family:
                masculine, feminine = family.split("/")
                family = feminine if woman else masculine
            name = f"{given} {family}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("ran out of demo names")  # pragma: no cover - the lists are long

    def email(self, name: str) -> str:
        given, _, family = name.partition(" ")
        base = f"{_slug(given)}.{_slug(family.replace(' ', ''))}"
        domain = self.rng.choice(("example.test", "example.test", "mail.example.test"))
        email = f"{base}@{domain}"
        number = 2
        while email in self.emails:
            email = f"{base}{number}@{domain}"
            number += 1
        self.emails.add(email)
        return email

    def languages(
        self, background: Background, stage_index: int
    ) -> list[tuple[str, str, LanguageAssessment]]:
        rng = self.rng
        spoken = [(background.home, "C2", LanguageAssessment.SELF)]
        for language, probability, levels in background.others:
            if rng.random() < probability:
                spoken.append((language, rng.choice(levels), LanguageAssessment.SELF))
        if stage_index > 0 or rng.random() > 0.05:  # a few newcomers have no Finnish yet
            finnish = rng.choices(
                ("A1", "A2", "B1", "B2"),
                weights=(
                    max(4, 40 - 7 * stage_index),
                    36,
                    20 + 3 * stage_index,
                    3 + 2 * stage_index,
                ),
            )[0]
            tested = rng.random() < 0.45 + 0.08 * stage_index
            spoken.append(
                ("fi", finnish, LanguageAssessment.TESTED if tested else LanguageAssessment.SELF)
            )
        if rng.random() < background.english:
            tested = rng.random() < 0.15
            spoken.append(
                (
                    "en",
                    rng.choice(background.english_levels),
                    LanguageAssessment.TESTED if tested else LanguageAssessment.SELF,
                )
            )
        return spoken

    def claims(self, framework: str) -> list[ClaimPlan]:
        rng = self.rng
        codes = [code for code, _ in self.competences[framework]]
        places = ACQUIRED[framework]
        main_where, main_how = rng.choice(places)
        claims = []
        for code in rng.sample(codes, rng.randint(2, 6)):
            where, how = (main_where, main_how) if rng.random() < 0.7 else rng.choice(places)
            claims.append(
                ClaimPlan(
                    code,
                    "",
                    rng.choices((2, 3, 4, 5), weights=(25, 35, 28, 12))[0],
                    how,
                    where,
                    self.months(how),
                )
            )
        if rng.random() < 0.25:
            claims.append(
                ClaimPlan(
                    None,
                    rng.choice(FREE_TEXT_CLAIMS),
                    rng.randint(2, 5),
                    AcquiredHow.WORK_HISTORY if rng.random() < 0.6 else AcquiredHow.INFORMAL,
                    "",
                    rng.choice((None, 12, 24, 36, 60)),
                )
            )
        return claims

    def months(self, how: AcquiredHow) -> int | None:
        if how == AcquiredHow.WORK_HISTORY:
            return self.rng.randint(6, 120)
        if how == AcquiredHow.EDUCATION_ABROAD:
            return self.rng.choice((6, 12, 18, 24))
        return self.rng.choice((None, 6, 12, 24, 36))

    def evidence(self, claims: list[ClaimPlan]) -> list[EvidencePlan]:
        rng = self.rng
        items = []
        for index, claim in enumerate(claims):
            if claim.code is None or rng.random() >= 0.5:
                continue
            duration = f", about {claim.months} months" if claim.months else ""
            items.append(
                EvidencePlan(
                    index,
                    rng.choice(CLAIM_EVIDENCE_TITLES),
                    f"{claim.where}{duration}: {self.labels[claim.code]}. No copy of a document "
                    "yet; described by the candidate with the counsellor.",
                )
            )
        if not items or rng.random() < 0.3:
            history = "; ".join(
                sorted({claim.where for claim in claims if claim.where}) or ["informal work"]
            )
            items.append(
                EvidencePlan(
                    None,
                    "Work history (CV summary)",
                    f"Work history written down with the counsellor: {history}.",
                )
            )
        return items

    def interview(
        self,
        day: datetime.date,
        region: str,
        framework: str,
        claims: list[ClaimPlan],
        interpreter: str,
    ) -> InterviewPlan:
        rng = self.rng
        place = (
            REMOTE_INTERVIEW
            if rng.random() < 0.1
            else INTERVIEW_PLACES.get(region, INTERVIEW_PLACES["North Savo"])
        )
        results = []
        for index, claim in enumerate(claims):
            if claim.code is None or rng.random() >= 0.85:
                continue
            level, note = _verified(rng, claim.self_level)
            results.append(ResultPlan(claim.code, index, level, note))
        claimed = {claim.code for claim in claims}
        unclaimed = [code for code, _ in self.competences[framework] if code not in claimed]
        if unclaimed and rng.random() < 0.15:
            results.append(
                ResultPlan(
                    rng.choice(unclaimed),
                    None,
                    rng.randint(1, 3),
                    "Added by the teacher: came up during the practical task.",
                )
            )
        return InterviewPlan(
            InterviewStatus.COMPLETED,
            _at(day, rng.randint(6, 11), rng.choice((0, 30))),
            place,
            interpreter=interpreter,
            notes=INTERVIEW_TASKS[framework],
            results=results,
        )

    def candidate(
        self, number: int, stage: Stage, client_type: ClientType, *, assigned: bool
    ) -> CandidatePlan:
        rng = self.rng
        today = self.today
        stage_index = STAGES.index(stage)
        background = rng.choices(BACKGROUNDS, weights=[b.weight for b in BACKGROUNDS])[0]
        name = self.name(background)
        municipality, region, _ = rng.choices(
            MUNICIPALITIES, weights=[weight for *_, weight in MUNICIPALITIES]
        )[0]
        extra = rng.choices((0, 1, 2), weights=(55, 35, 10))[0]
        regions = [region, *rng.sample(NEIGHBOURS[region], extra)]

        # Client since: within the last two years; later stages began earlier, and
        # short-term clients have been clients for a shorter time.
        low = 14 + 60 * stage_index
        high = 240 + 98 * stage_index
        if client_type == ClientType.SHORT_TERM:
            high = max(low + 30, int(high * 0.7))
        since = today - datetime.timedelta(days=rng.randint(low, min(high, 730)))
        span = (today - since).days
        # The day each later stage began, in order, before today.
        fractions = sorted(rng.uniform(0.1, 0.95) for _ in range(stage_index))
        milestones = [since] + [since + datetime.timedelta(days=int(span * f)) for f in fractions]
        if stage_index >= 2:  # interviews are held on weekdays
            milestones[2] = _weekday(milestones[2])
            milestones[3:] = [max(day, milestones[2]) for day in milestones[3:]]

        languages = self.languages(background, stage_index)
        finnish = next((level for code, level, _ in languages if code == "fi"), "")
        available_from = (
            None
            if stage_index == 0 and rng.random() < 0.4
            else today + datetime.timedelta(days=rng.randint(-60, 90))
        )
        plan = CandidatePlan(
            name=name,
            email="" if rng.random() < 0.06 else self.email(name),
            phone=_phone(number),
            municipality=municipality,
            regions=regions,
            available_from=available_from,
            availability_note=rng.choice(AVAILABILITY_NOTES),
            client_type=client_type,
            client_since=since,
            assigned=assigned,
            stage=stage,
            languages=languages,
        )
        framework = rng.choices(FRAMEWORKS, weights=[FIELD_WEIGHTS[f] for f in FRAMEWORKS])[0]
        field_name = FIELD_NAMES[framework]
        # The texts exist in English only so far (the portal's one translated language); the
        # record keeps the language the text was shown in.
        consent_language = "en"

        plan.consents.append(
            ConsentPlan(
                ConsentPurpose.VALIDATION,
                True,
                _at(since, rng.randint(7, 12), rng.choice((0, 15, 30, 45))),
                consent_language,
            )
        )
        if rng.random() < (0.5 if stage_index == 0 else 0.92):
            shared_on = milestones[1] if stage_index >= 1 else since
            plan.consents.append(
                ConsentPlan(
                    ConsentPurpose.SHARE_WITH_EMPLOYERS,
                    True,
                    _at(shared_on, 10, rng.choice((0, 30))),
                    consent_language,
                )
            )
            if rng.random() < 0.04 and shared_on < today - datetime.timedelta(days=2):
                withdrawn_on = shared_on + datetime.timedelta(
                    days=rng.randint(1, (today - shared_on).days - 1)
                )
                plan.consents.append(
                    ConsentPlan(
                        ConsentPurpose.SHARE_WITH_EMPLOYERS,
                        False,
                        _at(withdrawn_on, 13),
                        consent_language,
                    )
                )
        if self.partners and stage_index >= 3 and rng.random() < 0.12:
            plan.consents.append(
                ConsentPlan(
                    ConsentPurpose.SHARE_WITH_ORGANISATION,
                    True,
                    _at(milestones[3], 11),
                    consent_language,
                    organisation=rng.randrange(self.partners),
                )
            )

        for reached, day in zip(STAGES, milestones, strict=False):
            text = rng.choice(MILESTONE_NOTES[reached]).format(field=field_name)
            plan.notes.append((day, text))
        if rng.random() < 0.35:
            plan.notes.append(
                (
                    milestones[-1] + datetime.timedelta(days=(today - milestones[-1]).days // 2),
                    rng.choice(FOLLOW_UP_NOTES),
                )
            )
        plan.notes.sort(key=lambda note: note[0])

        interpreter = ""
        if finnish in ("", "A1", "A2") and background.home != "tl" and rng.random() < 0.45:
            interpreter = background.home
        if stage_index >= STAGES.index(Stage.PORTFOLIO):
            plan.portfolio_begun = _at(milestones[1], 7)
            plan.claims = self.claims(framework)
            plan.evidence = self.evidence(plan.claims)
        if stage_index >= STAGES.index(Stage.INTERVIEW):
            interviewed = milestones[2]
            if rng.random() < 0.06:
                plan.interviews.append(
                    InterviewPlan(
                        InterviewStatus.CANCELLED,
                        _at(_weekday(max(since, interviewed - datetime.timedelta(days=14))), 8),
                        INTERVIEW_PLACES.get(region, INTERVIEW_PLACES["North Savo"]),
                        notes="Cancelled: the candidate was ill; a new time was booked.",
                    )
                )
            plan.interviews.append(
                self.interview(interviewed, region, framework, plan.claims, interpreter)
            )
        elif rng.random() < (0.4 if stage == Stage.PORTFOLIO else 0.08):
            day = _weekday(today + datetime.timedelta(days=rng.randint(3, 40)))
            plan.interviews.append(
                InterviewPlan(
                    InterviewStatus.SCHEDULED,
                    _at(day, rng.randint(6, 11)),
                    INTERVIEW_PLACES.get(region, INTERVIEW_PLACES["North Savo"]),
                    interpreter=interpreter,
                )
            )
        return plan


def plan_demo_candidates(
    competences: dict[str, list[tuple[str, str]]],
    *,
    today: datetime.date,
    partners: int = 0,
) -> list[CandidatePlan]:
    """The demo candidates as plain data, the same for the same ``today``.

    ``competences``: framework code → [(competence code, English label)] for LOG, CLE and CAT;
    ``partners``: how many partner organisations a profile may be shared with by name.
    """
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    return _Planner(rng, today, competences, partners).plan()


async def _user_id(session: AsyncSession, email: str, role: str) -> int | None:
    row = (
        await session.execute(select(User.id).where(User.email == email, User.role == role))
    ).first()
    return int(row[0]) if row is not None else None


async def _framework_competences(session: AsyncSession) -> dict[str, list[tuple[str, str]]]:
    rows = await session.execute(
        select(Framework.code, Competence.code, Competence.labels)
        .join(Unit, Unit.framework_id == Framework.id)
        .join(Competence, Competence.unit_id == Unit.id)
        .where(Framework.code.in_(FRAMEWORKS))
        .order_by(Competence.code)
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for framework, code, labels in rows.tuples():
        found.setdefault(framework, []).append((code, labels.get("en") or code))
    return found


def _dated(begun: datetime.datetime | None, index: int) -> dict[str, datetime.datetime]:
    """The timestamps of the ``index``-th claim of a portfolio begun at ``begun``."""
    if begun is None:
        return {}
    at = begun + datetime.timedelta(minutes=index)
    return {"created_at": at, "updated_at": at}


def _consent_text(plan: ConsentPlan, organisation_name: str) -> str:
    texts = GIVEN_TEXTS if plan.given else WITHDRAWN_TEXTS
    text = texts[plan.purpose.value]
    if plan.purpose == ConsentPurpose.SHARE_WITH_ORGANISATION:
        text = text % {"organisation": organisation_name}
    return text


async def seed_demo_candidates(session: AsyncSession) -> int:
    """Create the demo candidates when there are none; returns how many were created."""
    if (await session.execute(select(func.count(Candidate.id)))).scalar_one():
        return 0
    counsellor_id = await _user_id(session, COUNSELLOR_EMAIL, "counsellor")
    teacher_id = await _user_id(session, TEACHER_EMAIL, "teacher")
    coordinator_id = await _user_id(session, COORDINATOR_EMAIL, "coordinator")
    competences = await _framework_competences(session)
    if counsellor_id is None or teacher_id is None or set(competences) != set(FRAMEWORKS):
        return 0
    competence_ids = dict(
        (await session.execute(select(Competence.code, Competence.id))).tuples().all()
    )
    partners = [
        (int(row[0]), str(row[1]))
        for row in await session.execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.status == PartnershipStatus.PARTNER.value)
            .order_by(Organisation.id)
        )
    ]
    plans = plan_demo_candidates(competences, today=datetime.date.today(), partners=len(partners))
    # The first candidate alone, so that it, its claims, evidence and interview get id 1.
    batches = [plans[:1]] + [plans[i : i + BATCH_SIZE] for i in range(1, len(plans), BATCH_SIZE)]
    for batch in batches:
        candidates: list[Candidate] = []
        claims: list[list[Claim]] = []
        for plan in batch:
            plan_claims = [
                Claim(
                    competence_id=competence_ids[claim.code] if claim.code else None,
                    free_text=claim.free_text,
                    self_level=claim.self_level,
                    acquired_how=claim.how.value,
                    acquired_where=claim.where,
                    months=claim.months,
                    **_dated(plan.portfolio_begun, index),
                )
                for index, claim in enumerate(plan.claims)
            ]
            claims.append(plan_claims)
            candidates.append(
                Candidate(
                    name=plan.name,
                    email=plan.email,
                    phone=plan.phone,
                    municipality=plan.municipality,
                    regions=plan.regions,
                    available_from=plan.available_from,
                    availability_note=plan.availability_note,
                    client_type=plan.client_type.value,
                    client_since=plan.client_since,
                    counsellor_id=counsellor_id if plan.assigned else None,
                    stage=plan.stage.value,
                    languages=[
                        CandidateLanguage(language=code, level=level, assessment=how.value)
                        for code, level, how in plan.languages
                    ],
                    claims=plan_claims,
                )
            )
        session.add_all(candidates)
        await session.flush()

        rows: list[EvidenceItem | ConsentRecord | GuidanceNote | Interview] = []
        for plan, candidate, plan_claims in zip(batch, candidates, claims, strict=True):
            recorder = counsellor_id if plan.assigned else coordinator_id
            rows.extend(
                EvidenceItem(
                    candidate_id=candidate.id,
                    claim_id=plan_claims[item.claim].id if item.claim is not None else None,
                    title=item.title,
                    description=item.description,
                )
                for item in plan.evidence
            )
            for consent in plan.consents:
                named = partners[consent.organisation] if consent.organisation is not None else None
                rows.append(
                    ConsentRecord(
                        candidate_id=candidate.id,
                        purpose=consent.purpose.value,
                        organisation_id=named[0] if named else None,
                        given=consent.given,
                        text_shown=_consent_text(consent, named[1] if named else ""),
                        language=consent.language,
                        recorded_by_id=recorder,
                        created_at=consent.at,
                        updated_at=consent.at,
                    )
                )
            rows.extend(
                GuidanceNote(candidate_id=candidate.id, author_id=recorder, noted_on=day, text=text)
                for day, text in plan.notes
            )
            for interview in plan.interviews:
                completed = interview.status == InterviewStatus.COMPLETED
                rows.append(
                    Interview(
                        candidate_id=candidate.id,
                        teacher_id=teacher_id,
                        scheduled_at=interview.at,
                        place=interview.place,
                        status=interview.status.value,
                        interpreter_used=bool(interview.interpreter),
                        interpreter_language=interview.interpreter,
                        notes=interview.notes,
                        completed_at=(
                            interview.at + datetime.timedelta(minutes=90) if completed else None
                        ),
                        results=[
                            VerifiedCompetence(
                                competence_id=competence_ids[result.code],
                                claim_id=(
                                    plan_claims[result.claim].id
                                    if result.claim is not None
                                    else None
                                ),
                                verified_level=result.level,
                                not_demonstrated=result.level is None,
                                note=result.note,
                            )
                            for result in interview.results
                        ],
                    )
                )
        session.add_all(rows)
        await session.flush()
    return len(plans)
