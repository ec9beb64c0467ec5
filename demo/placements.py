"""Demo positions, decisions on suggestions and placements (``isok demo seed``).

Positions: idempotent, an organisation that already has positions gets none. The first
position (id 1 in a fresh demo database) is the first partner's open warehouse position,
tutored by the demo tutor, so tests and the route-policy matrix can rely on it.

Match review (:func:`seed_demo_match_review`): see its docstring.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.models import User
from candidates.matching_input import candidates_for_matching
from candidates.models import Candidate, Stage
from competences.models import Competence, Framework
from employers.models import Organisation, PartnershipStatus
from kit.roles import Role
from placements.models import (
    COUNSELLOR_DECISIONS,
    DecisionKind,
    MonitoringVisit,
    Placement,
    PlacementStatus,
    Position,
    PositionCompetence,
    PositionLanguage,
    PositionStatus,
    SuggestionDecision,
)
from placements.positions.services import open_for_candidates
from placements.review.explanations import Explainer, snapshot
from placements.review.index import EXCLUDED_STAGES, load_matching_vocabulary
from placements.review.suggestions import position_for_matching

if TYPE_CHECKING:
    # The engine (numpy, scipy) is imported where it is used, not with the app,
    # so that a worker starts fast (docs/performance.md).
    import matching

DEMO_TUTOR_EMAIL = "tutor@demo.test"
DEMO_COUNSELLOR_EMAIL = "counsellor@demo.test"
DEMO_TEACHER_EMAIL = "teacher@demo.test"
DEMO_EMPLOYER_EMAILS = ("employer@demo.test", "employer2@demo.test")


@dataclass(frozen=True)
class DemoPosition:
    title: str
    field: str  # framework code
    tasks: str
    required: tuple[tuple[str, int], ...]  # (competence code, minimum level)
    optional: tuple[str, ...] = ()
    finnish: str = "A2"
    finnish_for_safety: bool = False
    english: str | None = None
    hours: float = 37.5
    places: int = 1


WAREHOUSE_WORKER = DemoPosition(
    "Warehouse worker",
    "LOG",
    "Receiving deliveries, putting goods away and picking customer orders in a "
    "distribution centre. Work in two shifts.",
    (("LOG-U1-01", 2), ("LOG-U1-03", 2), ("LOG-U4-01", 2)),
    ("LOG-U2-01", "LOG-U3-04"),
    finnish="A2",
    finnish_for_safety=True,
    places=3,
)
FORKLIFT_DRIVER = DemoPosition(
    "Forklift driver",
    "LOG",
    "Moving pallets with a counterbalance forklift and a reach truck, loading lorries and "
    "daily checks of the trucks.",
    (("LOG-U2-01", 3), ("LOG-U2-04", 2), ("LOG-U4-02", 2)),
    ("LOG-U2-02", "LOG-U3-01"),
    finnish="B1",
    finnish_for_safety=True,
)
ORDER_PICKER = DemoPosition(
    "Order picker",
    "LOG",
    "Picking and packing web-shop orders with a handheld terminal.",
    (("LOG-U1-03", 2), ("LOG-U3-03", 1)),
    ("LOG-U2-03",),
    finnish="A2",
    english="A2",
    hours=30.0,
    places=3,
)
CLEANER = DemoPosition(
    "Cleaner",
    "CLE",
    "Daily cleaning of offices and staircases on an evening route; sorting waste.",
    (("CLE-U1-01", 2), ("CLE-U1-03", 2), ("CLE-U4-04", 2)),
    ("CLE-U3-01", "CLE-U2-01"),
    finnish="A2",
    finnish_for_safety=True,
    hours=30.0,
    places=2,
)
PROPERTY_MAINTENANCE = DemoPosition(
    "Property maintenance assistant",
    "CLE",
    "Yard work, snow clearing and small maintenance jobs in apartment buildings.",
    (("CLE-U3-02", 2), ("CLE-U3-03", 2)),
    ("CLE-U3-04",),
    finnish="B1",
)
HOSPITAL_CLEANER = DemoPosition(
    "Hospital cleaner",
    "CLE",
    "Cleaning wards and patient rooms following infection-control instructions.",
    (("CLE-U2-03", 3), ("CLE-U1-02", 2), ("CLE-U4-04", 2)),
    ("CLE-U4-03",),
    finnish="B1",
    finnish_for_safety=True,
)
KITCHEN_ASSISTANT = DemoPosition(
    "Kitchen assistant",
    "CAT",
    "Preparing salads and hot dishes from recipes, filling the lunch line and keeping "
    "the kitchen clean.",
    (("CAT-U1-01", 2), ("CAT-U2-01", 2), ("CAT-U2-04", 2)),
    ("CAT-U2-03", "CAT-U4-01"),
    finnish="A2",
    places=2,
)
DISHWASHER = DemoPosition(
    "Dishwasher",
    "CAT",
    "Washing dishes with a tunnel dishwasher and cleaning the kitchen after service.",
    (("CAT-U3-01", 1), ("CAT-U3-02", 2)),
    ("CAT-U1-01",),
    finnish="A2",
    english="A2",
    hours=25.0,
)

BY_SECTOR = (
    (("logistic", "transport", "industrial"), (WAREHOUSE_WORKER, FORKLIFT_DRIVER, ORDER_PICKER)),
    (("clean", "property"), (CLEANER, PROPERTY_MAINTENANCE, HOSPITAL_CLEANER)),
    (("restaurant", "catering"), (KITCHEN_ASSISTANT, DISHWASHER)),
)
OTHER = (KITCHEN_ASSISTANT, CLEANER)


def _templates_for(organisation: Organisation) -> tuple[DemoPosition, ...]:
    sector = organisation.sector.lower()
    if "hospital" in sector:
        return (HOSPITAL_CLEANER, CLEANER)
    for words, templates in BY_SECTOR:
        if any(word in sector for word in words):
            return templates
    return OTHER


def _statuses(organisation_index: int, count: int) -> list[str]:
    """Mostly open; the first organisation has a draft, the second a closed position."""
    statuses = [PositionStatus.OPEN.value] * count
    if organisation_index == 0 and count > 2:
        statuses[2] = PositionStatus.DRAFT.value
    if organisation_index == 1 and count > 1:
        statuses[1] = PositionStatus.CLOSED.value
    return statuses


async def seed_demo_positions(session: AsyncSession) -> int:
    """Create 2-3 positions for each partner organisation that has none; return how many."""
    organisations = list(
        (
            await session.execute(
                select(Organisation)
                .where(Organisation.status == PartnershipStatus.PARTNER.value)
                .order_by(Organisation.id)
            )
        ).scalars()
    )
    having = set(
        (await session.execute(select(Position.organisation_id).distinct())).scalars().all()
    )
    frameworks = dict((await session.execute(select(Framework.code, Framework.id))).tuples().all())
    competences = dict(
        (await session.execute(select(Competence.code, Competence.id))).tuples().all()
    )
    tutor_id = (
        await session.execute(
            select(User.id).where(User.email == DEMO_TUTOR_EMAIL, User.role == Role.TUTOR)
        )
    ).scalar_one_or_none()
    today = datetime.date.today()
    created = 0
    for index, organisation in enumerate(organisations):
        if organisation.id in having:
            continue
        templates = _templates_for(organisation)
        for number, (template, status) in enumerate(
            zip(templates, _statuses(index, len(templates)), strict=True)
        ):
            if template.field not in frameworks:
                continue  # the sample frameworks are not loaded
            start = today + datetime.timedelta(days=21 + 14 * number + 7 * (index % 3))
            position = Position(
                organisation_id=organisation.id,
                title=template.title,
                framework_id=frameworks[template.field],
                tasks=template.tasks,
                municipality=organisation.municipality,
                region=organisation.region,
                start_date=start,
                end_date=start + datetime.timedelta(weeks=8),
                hours_per_week=template.hours,
                places=template.places,
                tutor_id=tutor_id if index == 0 and number == 0 else None,
                status=status,
                competences=[
                    PositionCompetence(
                        competence_id=competences[code], required=True, min_level=level
                    )
                    for code, level in template.required
                    if code in competences
                ]
                + [
                    PositionCompetence(competence_id=competences[code], required=False, min_level=1)
                    for code in template.optional
                    if code in competences
                ],
                languages=[
                    PositionLanguage(
                        language="fi",
                        level=template.finnish,
                        for_safety=template.finnish_for_safety,
                    ),
                    *(
                        [PositionLanguage(language="en", level=template.english)]
                        if template.english
                        else []
                    ),
                ],
            )
            session.add(position)
            # One at a time, so that ids follow this order (the first is id 1).
            await session.flush()
            created += 1
    return created


# --- Match review: decisions on suggestions and placements ---------------------------------

# The fixed first demo candidate (demo/candidates.py): in the demo counsellor's caseload, at
# the on-the-job training stage, interviewed by the demo teacher, logistics competences.
FIRST_PLACED_CANDIDATE = 1


@dataclass(frozen=True)
class Step:
    """One decision in a pair's story, ``days_ago`` before today."""

    kind: DecisionKind
    days_ago: int
    reason: str = ""
    note: str = ""


@dataclass(frozen=True)
class Story:
    """What happens to one candidate on one position.

    ``pick`` says which candidate: ``"first"`` (the fixed first demo candidate), ``"placed"``
    (the best-ranked eligible candidate among those the candidate demo put at the placement
    stage), ``"top"`` (the best-ranked eligible candidate not yet placed or decided on),
    ``"missing"`` (one who lacks a required competence) or ``"language"`` (one who fails the
    language requirement). ``placement``: the employer's acceptance becomes a placement with
    this status.
    """

    pick: str
    steps: tuple[Step, ...]
    placement: PlacementStatus | None = None


SHORTLISTED, REJECTED, PROPOSED, WITHDRAWN, ACCEPTED, DECLINED = (
    DecisionKind.SHORTLISTED,
    DecisionKind.REJECTED,
    DecisionKind.PROPOSED,
    DecisionKind.WITHDRAWN,
    DecisionKind.ACCEPTED,
    DecisionKind.DECLINED,
)

# The first organisation's tutored position: placement 1 (active; with the completed one below,
# two places of three taken),
# a proposal waiting for the employer, a shortlist, two rejections and a declined proposal.
FIRST_TUTORED_POSITION: tuple[Story, ...] = (
    Story(
        "first",
        (Step(SHORTLISTED, 40), Step(PROPOSED, 35), Step(ACCEPTED, 30)),
        PlacementStatus.ACTIVE,
    ),
    Story("top", (Step(SHORTLISTED, 6), Step(PROPOSED, 3))),
    Story("top", (Step(SHORTLISTED, 6),)),
    Story(
        "top",
        (
            Step(PROPOSED, 20),
            Step(
                DECLINED,
                15,
                "timing",
                "We need someone to start at once; the candidate is free only from next month.",
            ),
        ),
    ),
    Story(
        "missing",
        (
            Step(
                REJECTED,
                5,
                "missing_competence",
                "Vaadittu osaaminen puuttuu vielä portfoliosta; ehdota uudelleen, kun se"
                " on osoitettu.",
            ),
        ),
    ),
    Story(
        "language",
        (
            Step(
                REJECTED,
                5,
                "language",
                "Safety instructions are in Finnish only; revisit after the A2 course.",
            ),
        ),
    ),
)
# The first organisation's other open position: a proposal waiting, one withdrawn, one
# rejected for another reason.
FIRST_OTHER_POSITION: tuple[Story, ...] = (
    Story("top", (Step(PROPOSED, 2),)),
    Story(
        "top",
        (
            Step(PROPOSED, 9),
            Step(WITHDRAWN, 7, note="Ehdokas sai kesätyön eikä ole nyt vapaana."),
        ),
    ),
    Story(
        "top",
        (
            Step(
                REJECTED,
                4,
                "other",
                "Wants to finish the Finnish course first; suggest again in the spring.",
            ),
        ),
    ),
)
# The second organisation: its one-place position filled by an agreed placement, and a
# proposal waiting on another position.
SECOND_FILLED_POSITION: tuple[Story, ...] = (
    Story(
        "placed",
        (Step(SHORTLISTED, 14), Step(PROPOSED, 12), Step(ACCEPTED, 9)),
        PlacementStatus.AGREED,
    ),
)
SECOND_OTHER_POSITION: tuple[Story, ...] = (
    Story("top", (Step(PROPOSED, 4),)),
    Story("top", (Step(SHORTLISTED, 4),)),
)
# Months earlier on the first organisation's tutored position: a placement now completed, of
# a candidate at the assessment stage (demo/assessments.py gives it a signed consensus).
FIRST_COMPLETED: tuple[Story, ...] = (
    Story(
        "assessed",
        (Step(SHORTLISTED, 130), Step(PROPOSED, 126), Step(ACCEPTED, 121)),
        PlacementStatus.COMPLETED,
    ),
)
COMPLETED_WEEKS_AGO = 4

VISIT_NOTES = (
    "Visited the warehouse with the tutor. Receives deliveries independently now and checks"
    " them against the waybill; picking with the handheld terminal still needs guidance. Next"
    " visit in three weeks."
)


@dataclass(frozen=True)
class DemoMatchReview:
    """What :func:`seed_demo_match_review` added."""

    decisions: int = 0
    placements: int = 0


def _when(today: datetime.date, days_ago: int, hour: int) -> datetime.datetime:
    day = today - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=datetime.UTC)


async def _user_ids(
    session: AsyncSession, emails: Sequence[str]
) -> dict[str, tuple[int, int | None]]:
    """User id and organisation id by e-mail address."""
    rows = await session.execute(
        select(User.email, User.id, User.organisation_id).where(User.email.in_(list(emails)))
    )
    return {
        str(email): (int(user_id), None if org is None else int(org))
        for email, user_id, org in rows.all()
    }


async def seed_demo_match_review(session: AsyncSession) -> DemoMatchReview:
    """Decisions on suggestions and placements for the demo, when there are none yet.

    On two open positions of each demo employer's organisation, the demo counsellor has
    shortlisted, rejected (reasons ``missing_competence``, ``language`` and ``other`` with a
    note), proposed and withdrawn candidates of their own caseload whose consent to share with
    employers is in force; the employers declined one proposal (``timing``), accepted three,
    and have three proposals waiting (two for the first employer). The acceptances are placements:

    - **placement 1**, at the first organisation on its position tutored by the demo tutor
      (two places of three taken with placement 3, so the position stays open), for the
      fixed first candidate, with the demo counsellor and teacher, **active**, with one
      monitoring visit;
    - placement 2, at the second organisation on its one-place position, **agreed**, for a
      candidate the candidate demo already put at the placement stage (so its stage counts
      hold); the position is **filled**;
    - placement 3, months earlier on placement 1's position with the same people,
      **completed** four weeks ago, for a candidate the candidate demo put at the assessment
      stage (demo/assessments.py gives it its ratings and a signed consensus).

    Candidates of live placements are at stage ``placement``. Each counsellor decision stores
    the score, rank, eligibility and explanation from one engine run over the consenting
    candidates not yet placed plus the ones this seed places (the ranking as the page showed
    it before they were placed); the explanation is stored as the decisions store it
    (:func:`placements.review.suggestions.snapshot`: the words shown, in the seeding locale).
    Employers' answers store none. Rows are written through the models, not
    :func:`placements.review.decisions.append_decision`, because they carry dates in the past
    (decisions days to weeks ago): the history reads as it would have happened, and no row is
    updated after it is written.

    Needs the demo users, positions and candidates; without them it adds nothing. Returns
    what it added (nothing when any decision or placement exists already).
    """
    for model in (SuggestionDecision, Placement):
        if await session.scalar(select(func.count(model.id))):
            return DemoMatchReview()
    emails = (DEMO_COUNSELLOR_EMAIL, DEMO_TEACHER_EMAIL, DEMO_TUTOR_EMAIL, *DEMO_EMPLOYER_EMAILS)
    users = await _user_ids(session, emails)
    if set(users) != set(emails):
        return DemoMatchReview()
    counsellor_id = users[DEMO_COUNSELLOR_EMAIL][0]
    employers = [users[email] for email in DEMO_EMPLOYER_EMAILS]
    plan = await _positions_plan(session, [org for _, org in employers], users[DEMO_TUTOR_EMAIL][0])
    if plan is None:
        return DemoMatchReview()

    caseload = dict(
        (
            await session.execute(
                select(Candidate.id, Candidate.stage).where(
                    Candidate.counsellor_id == counsellor_id
                )
            )
        )
        .tuples()
        .all()
    )
    if caseload.get(FIRST_PLACED_CANDIDATE) is None:
        return DemoMatchReview()
    positions = [position for position, _, _ in plan]
    vocabulary, labels = await load_matching_vocabulary(session)
    stages = dict((await session.execute(select(Candidate.id, Candidate.stage))).tuples().all())
    pool = await candidates_for_matching(session, for_employers=True)

    # Who is placed: the fixed first candidate, for the other placements candidates the
    # candidate demo already put at the placement stage, and for the completed one a candidate
    # it put at the assessment stage (so the stage counts stay as they are).
    at_placement_stage = _fit(
        vocabulary,
        positions,
        [c for c in pool if stages.get(int(c.id)) not in (Stage.ASSESSMENT, Stage.CERTIFIED)],
    )
    fixed = _placed_candidates(plan, at_placement_stage, caseload)
    at_assessment_stage = _fit(
        vocabulary,
        positions,
        [c for c in pool if stages.get(int(c.id)) == Stage.ASSESSMENT.value],
    )
    fixed.update(_placed_candidates(plan, at_assessment_stage, caseload, pick="assessed"))
    placed = {FIRST_PLACED_CANDIDATE, *fixed.values()}

    # The ranking as the page showed it before they were placed: everyone not placed yet.
    matcher = _fit(
        vocabulary,
        positions,
        [c for c in pool if stages.get(int(c.id)) not in EXCLUDED_STAGES or int(c.id) in placed],
    )
    explainer = Explainer(labels)

    today = datetime.date.today()
    used: set[int] = set()
    decisions = placements = 0
    for index, (position, stories, employer_index) in enumerate(plan):
        employer_id = employers[employer_index][0]
        order = _order(matcher, position)
        for number, story in enumerate(stories):
            chosen: tuple[int, int | None, bool | None] | None
            if story.pick == "first":
                chosen = _ranked(order, FIRST_PLACED_CANDIDATE)
            elif story.pick in ("placed", "assessed"):
                fixed_id = fixed.get((index, number))
                chosen = None if fixed_id is None else _ranked(order, fixed_id)
            else:
                chosen = _pick(story.pick, position, order, matcher, caseload, used | placed)
            if chosen is None:
                continue
            candidate_id = chosen[0]
            used.add(candidate_id)
            accepted = _write_story(
                session,
                position=position,
                story=story,
                chosen=chosen,
                matcher=matcher,
                explainer=explainer,
                counsellor_id=counsellor_id,
                employer_id=employer_id,
                today=today,
            )
            decisions += len(story.steps)
            if story.placement is None or accepted is None:
                continue
            await session.flush()  # the acceptance's id
            placements += 1
            await _place(
                session,
                position=position,
                candidate_id=candidate_id,
                accepted=accepted,
                status=story.placement,
                counsellor_id=counsellor_id,
                teacher_id=users[DEMO_TEACHER_EMAIL][0],
                today=today,
            )
    await session.flush()
    return DemoMatchReview(decisions=decisions, placements=placements)


def _placed_candidates(
    plan: Sequence[tuple[Position, tuple[Story, ...], int]],
    matcher: matching.CompetenceMatcher,
    caseload: dict[int, str],
    *,
    pick: str = "placed",
) -> dict[tuple[int, int], int]:
    """The candidate of each ``pick`` story, by (position's index, story's index) in the plan.

    The best-ranked eligible candidate of the caseload at the placement stage (``placed``) or
    at the assessment stage (``assessed``), each once.
    """
    stage = Stage.ASSESSMENT.value if pick == "assessed" else Stage.PLACEMENT.value
    fixed: dict[tuple[int, int], int] = {}
    for index, (position, stories, _) in enumerate(plan):
        for number, story in enumerate(stories):
            if story.pick != pick:
                continue
            found = next(
                (
                    int(cid)
                    for cid, _rank, eligible in _order(matcher, position)
                    if eligible
                    and int(cid) not in (FIRST_PLACED_CANDIDATE, *fixed.values())
                    and caseload.get(int(cid)) == stage
                ),
                None,
            )
            if found is not None:
                fixed[(index, number)] = found
    return fixed


def _write_story(
    session: AsyncSession,
    *,
    position: Position,
    story: Story,
    chosen: tuple[int, int | None, bool | None],
    matcher: matching.CompetenceMatcher,
    explainer: Explainer,
    counsellor_id: int,
    employer_id: int,
    today: datetime.date,
) -> SuggestionDecision | None:
    """Add the story's decisions on the pair; return the employer's acceptance, if any.

    Counsellor decisions carry the engine's advice on the pair; the employer's answers none.
    """
    candidate_id, rank, eligible = chosen
    shown: dict[str, Any] | None = None
    score: float | None = None
    if rank is not None:
        match = matcher.explain(str(position.id), str(candidate_id))
        assert match.explanation is not None
        score, eligible = match.score, match.eligible
        shown = snapshot(explainer.explain(match.explanation))
    accepted: SuggestionDecision | None = None
    for sequence, step in enumerate(story.steps, start=1):
        by_counsellor = step.kind.value in COUNSELLOR_DECISIONS
        at = _when(today, step.days_ago, 9 + sequence)
        decision = SuggestionDecision(
            position_id=position.id,
            candidate_id=candidate_id,
            sequence=sequence,
            kind=step.kind.value,
            reason=step.reason,
            note=step.note,
            score=score if by_counsellor else None,
            rank=rank if by_counsellor else None,
            eligible=eligible if by_counsellor else None,
            explanation=shown if by_counsellor else None,
            decided_by_id=counsellor_id if by_counsellor else employer_id,
            created_at=at,
            updated_at=at,
        )
        session.add(decision)
        if step.kind == ACCEPTED:
            accepted = decision
    return accepted


async def _positions_plan(
    session: AsyncSession, organisation_ids: Sequence[int | None], tutor_id: int
) -> list[tuple[Position, tuple[Story, ...], int]] | None:
    """Which positions get which stories, and whose employer answers (index in the logins).

    None when the first organisation has no open position tutored by the demo tutor with a
    place to spare (placement 1 needs one).
    """
    positions = list(
        (
            await session.execute(
                select(Position)
                .where(
                    Position.organisation_id.in_([i for i in organisation_ids if i is not None]),
                    open_for_candidates(),
                )
                .options(
                    selectinload(Position.competences).selectinload(PositionCompetence.competence),
                    selectinload(Position.languages),
                )
                .order_by(Position.id)
            )
        ).scalars()
    )
    first = [p for p in positions if p.organisation_id == organisation_ids[0]]
    second = [p for p in positions if p.organisation_id == organisation_ids[1]]
    # Places for placement 1, the completed placement and one more (the browser test's).
    tutored = next((p for p in first if p.tutor_id == tutor_id and p.places >= 3), None)
    if tutored is None:
        return None
    plan = [(tutored, FIRST_TUTORED_POSITION, 0)]
    plan += [(p, FIRST_OTHER_POSITION, 0) for p in first if p is not tutored][:1]
    one_place = next((p for p in second if p.places == 1), None)
    if one_place is not None:
        plan.append((one_place, SECOND_FILLED_POSITION, 1))
    plan += [(p, SECOND_OTHER_POSITION, 1) for p in second if p is not one_place][:1]
    plan.append((tutored, FIRST_COMPLETED, 0))
    return plan


def _fit(
    vocabulary: tuple[matching.Competence, ...],
    positions: Sequence[Position],
    candidates: Sequence[matching.Candidate],
) -> matching.CompetenceMatcher:
    """The engine fitted on the positions and the given candidates."""
    import matching

    problem = matching.MatchingInput(
        positions=tuple(position_for_matching(position) for position in positions),
        candidates=tuple(candidates),
        competences=vocabulary,
    )
    return matching.CompetenceMatcher().fit(problem)


def _order(matcher: matching.CompetenceMatcher, position: Position) -> list[tuple[str, int, bool]]:
    """Every candidate ranked for the position, best first: (candidate id, rank, eligible)."""
    order: list[tuple[str, int, bool]] = []
    for _rows, chosen, _scores, eligible in matcher.top_indices(
        "position", top=None, rows=[str(position.id)]
    ):
        order = [
            (matcher.candidate_ids_[int(column)], rank, bool(flag))
            for rank, (column, flag) in enumerate(zip(chosen[0], eligible[0], strict=True), start=1)
        ]
    return order


def _ranked(
    order: list[tuple[str, int, bool]], candidate_id: int
) -> tuple[int, int | None, bool | None]:
    """(id, rank, eligible) of a given candidate; rank None when the engine did not rank them."""
    found = next((row for row in order if row[0] == str(candidate_id)), None)
    return (candidate_id, None, None) if found is None else (candidate_id, found[1], found[2])


def _pick(
    pick: str,
    position: Position,
    order: list[tuple[str, int, bool]],
    matcher: matching.CompetenceMatcher,
    caseload: dict[int, str],
    taken: set[int],
) -> tuple[int, int | None, bool | None] | None:
    """The caseload candidate a ``top``, ``missing`` or ``language`` story is about, by rank."""
    for cid, rank, eligible in order:
        candidate_id = int(cid)
        if candidate_id in taken or caseload.get(candidate_id) in (None, *EXCLUDED_STAGES):
            continue
        if pick == "top" and eligible:
            return candidate_id, rank, eligible
        explanation = matcher.explain(str(position.id), cid).explanation
        assert explanation is not None
        if pick == "missing" and eligible and explanation.missing_required:
            return candidate_id, rank, eligible
        if pick == "language" and any(f.filter == "language" for f in explanation.failed_filters):
            return candidate_id, rank, eligible
    return None


async def _place(
    session: AsyncSession,
    *,
    position: Position,
    candidate_id: int,
    accepted: SuggestionDecision,
    status: PlacementStatus,
    counsellor_id: int,
    teacher_id: int,
    today: datetime.date,
) -> None:
    """The placement an acceptance created, and what it changes (stage, a filled position)."""
    taken = await session.scalar(
        select(func.count(Placement.id)).where(
            Placement.position_id == position.id,
            Placement.status != PlacementStatus.INTERRUPTED.value,
        )
    )
    start, end = position.start_date, position.end_date
    if status == PlacementStatus.ACTIVE:
        # Agreed to start before the position's advertised dates; under way for two weeks.
        start = today - datetime.timedelta(days=14)
        end = start + datetime.timedelta(weeks=8)
    if status == PlacementStatus.COMPLETED:
        # An earlier round of the same position: eight weeks, ended a few weeks ago.
        end = today - datetime.timedelta(weeks=COMPLETED_WEEKS_AGO)
        start = end - datetime.timedelta(weeks=8)
    placement = Placement(
        candidate_id=candidate_id,
        position_id=position.id,
        organisation_id=position.organisation_id,
        decision_id=accepted.id,
        place_number=int(taken or 0) + 1,
        tutor_id=position.tutor_id,
        teacher_id=teacher_id,
        counsellor_id=counsellor_id,
        start_date=start,
        end_date=end,
        status=status.value,
        created_at=accepted.created_at,
        updated_at=accepted.created_at,
    )
    session.add(placement)
    await session.flush()
    if status == PlacementStatus.ACTIVE:
        session.add(
            MonitoringVisit(
                placement_id=placement.id,
                visited_on=today - datetime.timedelta(days=7),
                visitor_id=counsellor_id,
                notes=VISIT_NOTES,
            )
        )
    candidate = await session.get_one(Candidate, candidate_id)
    if status != PlacementStatus.COMPLETED:
        # A completed placement's candidate is already at the assessment stage.
        candidate.stage = Stage.PLACEMENT.value
    if int(taken or 0) + 1 >= position.places:
        position.status = PositionStatus.FILLED.value
    await session.flush()
