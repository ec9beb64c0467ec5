"""Synthetic matching data for the benchmark and the evaluation.

Competences follow a long-tailed (Zipf) popularity, as real skill data does: a few
competences (safety, customer service) appear everywhere, most appear rarely.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from matching import Candidate, Claim, Competence, MatchingInput, Position, Requirement

REGIONS = (
    "Uusimaa", "Southwest Finland", "Satakunta", "Kanta-Häme", "Pirkanmaa", "Päijät-Häme",
    "Kymenlaakso", "South Karelia", "South Savo", "North Savo", "North Karelia",
    "Central Finland", "South Ostrobothnia", "Ostrobothnia", "Central Ostrobothnia",
    "North Ostrobothnia", "Kainuu", "Lapland", "Åland",
)  # fmt: skip
CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")


def zipf_weights(n: int, exponent: float = 1.1) -> np.ndarray:
    """Popularity of `n` competences, most popular first; shape (n,), sums to 1."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def vocabulary(n: int) -> tuple[Competence, ...]:
    """`n` competences with ids ``c00000`` … and plain labels."""
    return tuple(Competence(f"c{i:05d}", f"competence {i}") for i in range(n))


def speed_problem(
    n_candidates: int,
    n_positions: int,
    *,
    n_competences: int = 3000,
    per_profile: int = 15,
    seed: int = 0,
) -> MatchingInput:
    """Random positions and candidates with about `per_profile` competences each.

    Positions require about half their competences (minimum level 1-4) and list the rest
    as optional; 60 % ask for Finnish at A2-B2 and 80 % name one of 19 regions. Candidates
    hold levels 1-5, 40 % verified, speak Finnish at some level in 80 % of cases and 70 % name
    one to three regions.
    """
    rng = np.random.default_rng(seed)
    popularity = zipf_weights(n_competences)
    ids = [f"c{i:05d}" for i in range(n_competences)]

    def draw_competences(count: int) -> np.ndarray:
        sizes = np.clip(rng.poisson(per_profile, count), 3, 3 * per_profile)
        chosen = []
        for size in sizes:
            picks = rng.choice(n_competences, size=int(size * 1.3) + 2, p=popularity)
            chosen.append(np.unique(picks)[: int(size)])
        return np.array(chosen, dtype=object)

    positions = []
    for i, comps in enumerate(draw_competences(n_positions)):
        order = rng.permutation(comps)
        split = max(1, len(order) // 2)
        levels = rng.integers(1, 5, size=len(order))
        positions.append(
            Position(
                id=f"p{i:06d}",
                required=tuple(
                    Requirement(ids[c], int(v)) for c, v in zip(order[:split], levels, strict=False)
                ),
                optional=tuple(
                    Requirement(ids[c], int(v))
                    for c, v in zip(order[split:], levels[split:], strict=False)
                ),
                languages={"fi": CEFR[int(rng.integers(1, 4))]} if rng.random() < 0.6 else {},
                region=REGIONS[int(rng.integers(len(REGIONS)))] if rng.random() < 0.8 else None,
                places=int(rng.integers(1, 4)),
            )
        )
    candidates = []
    for i, comps in enumerate(draw_competences(n_candidates)):
        levels = rng.integers(1, 6, size=len(comps))
        verified = rng.random(len(comps)) < 0.4
        n_regions = int(rng.integers(1, 4)) if rng.random() < 0.7 else 0
        candidates.append(
            Candidate(
                id=f"k{i:07d}",
                competences=tuple(
                    Claim(ids[c], int(v), bool(f))
                    for c, v, f in zip(comps, levels, verified, strict=True)
                ),
                languages={"fi": CEFR[int(rng.integers(0, 6))]} if rng.random() < 0.8 else {},
                regions=tuple(
                    REGIONS[int(r)] for r in rng.choice(len(REGIONS), n_regions, replace=False)
                ),
            )
        )
    return MatchingInput(tuple(positions), tuple(candidates), vocabulary(n_competences))


# --- An ESCO-like skill vocabulary ---------------------------------------------------------
#
# ESCO's skills are short verb or noun phrases ("install heat pump", "legal requirements of ICT
# products") with alternative labels that swap the verb for a synonym, use the gerund or the
# noun of the action ("heat pump installation"), or change the number of the object. Many
# labels share words ("install heat pump", "maintain heat pump"), which is what makes mapping
# typed text hard. The pools below are ordinary English words; the labels are combinations.

#: verb, its gerund, the noun of the action, and the group of verbs that mean about the same.
_VERBS = """
analyse analysing analysis 1|assess assessing assessment 1|evaluate evaluating evaluation 1
examine examining examination 1|inspect inspecting inspection 2|check checking check 2
monitor monitoring monitoring 2|review reviewing review 2|install installing installation 3
fit fitting fitting 3|mount mounting mounting 3|maintain maintaining maintenance 4
service servicing servicing 4|repair repairing repair 5|fix fixing fixing 5
restore restoring restoration 5|manage managing management 6|oversee overseeing oversight 6
supervise supervising supervision 6|administer administering administration 6
coordinate coordinating coordination 6|operate operating operation 7|use using use 7
utilise utilising utilisation 7|employ employing employment 7|apply applying application 7
perform performing performance 8|conduct conducting conduct 8|execute executing execution 8
undertake undertaking undertaking 8|create creating creation 9|develop developing development 9
design designing design 9|devise devising devising 9|produce producing production 9
prepare preparing preparation 10|arrange arranging arrangement 10
organise organising organisation 10
plan planning planning 10|schedule scheduling scheduling 10|teach teaching teaching 11
instruct instructing instruction 11|train training training 11|educate educating education 11
advise advising advice 12|consult consulting consultation 12|guide guiding guidance 12
measure measuring measurement 13|calibrate calibrating calibration 13|test testing testing 13
clean cleaning cleaning 14|sanitise sanitising sanitation 14|wash washing washing 14
handle handling handling 15|process processing processing 15|sort sorting sorting 15
store storing storage 15|load loading loading 16|unload unloading unloading 16
transport transporting transport 16|deliver delivering delivery 16|record recording recording 17
document documenting documentation 17|report reporting reporting 17|write writing writing 17
ensure ensuring assurance 18|protect protecting protection 18|secure securing security 18
identify identifying identification 19|detect detecting detection 19
diagnose diagnosing diagnosis 19
negotiate negotiating negotiation 20|sell selling sale 20|promote promoting promotion 20
purchase purchasing purchasing 20|assemble assembling assembly 21|build building building 21
construct constructing construction 21|cut cutting cutting 22|shape shaping shaping 22
weld welding welding 22|paint painting painting 22|mix mixing mixing 23|blend blending blending 23
adjust adjusting adjustment 24|configure configuring configuration 24|set setting setting 24
communicate communicating communication 25|present presenting presentation 25
explain explaining explanation 25|support supporting support 26|assist assisting assistance 26
help helping help 26|estimate estimating estimation 27|calculate calculating calculation 27
forecast forecasting forecasting 27|recruit recruiting recruitment 28|hire hiring hiring 28
select selecting selection 28|translate translating translation 29
interpret interpreting interpretation 29
drive driving driving 30|pilot piloting piloting 30|steer steering steering 30
"""
_MODIFIERS = """
quality safety heat software legal financial electrical hydraulic medical food customer technical
environmental construction production marketing data network warehouse vehicle patient budget
energy water waste fire chemical mechanical digital industrial agricultural forestry fishing
mining marine railway aviation road hotel kitchen restaurant retail wholesale banking insurance
tax payroll accounting laboratory clinical dental nursing pharmacy veterinary animal plant garden
timber metal plastic glass textile leather paper printing packaging shipping cargo freight
passenger tourism event sports fitness music theatre film broadcasting media advertising sales
purchasing supply logistics inventory stock maintenance repair cleaning security emergency
hazardous radiation noise air soil climate weather solar wind nuclear gas oil pipeline drilling
welding painting plumbing roofing flooring heating ventilation cooling refrigeration lighting
wiring power battery engine brake tyre body interior exterior structural civil architectural
design project contract procurement risk compliance audit training recruitment employee
workplace office administrative clerical archive library museum school university student
child elderly disability social welfare housing community public government municipal
"""
_NOUNS = """
control pump system requirements records equipment machines tools materials documents reports
procedures architecture models study plan programme policy standards regulations methods
techniques principles processes operations services products components parts devices
instruments installations facilities premises vehicles machinery infrastructure networks
databases applications interfaces specifications drawings diagrams samples tests results
measurements data statistics accounts budgets invoices contracts agreements claims orders
deliveries shipments stocks supplies resources schedules activities tasks projects teams staff
workers clients customers patients students guests visitors users complaints incidents risks
hazards defects faults damage repairs inspections audits checks permits licences certificates
labels signs instructions manuals guidelines rules laws rights ethics
"""
_CONTEXTS = """
of ICT products|during a run|in a warehouse|for patients|in healthcare|on construction sites
of vehicles|in food production|in the workplace|for customers|at sea|in agriculture
in forestry|on board|in retail|in hospitality|for children|for the elderly|in mining
in public transport|in aviation|on the railway|in laboratories|in kitchens|in offices
according to regulations|in emergencies|at height|in confined spaces|under supervision
"""


def _pool(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split()))


def skill_vocabulary(n: int, *, seed: int = 0, alt_labels: int = 6) -> tuple[Competence, ...]:
    """`n` competences with ESCO-like labels and up to `alt_labels` alternative labels each.

    Ids are ``s00000`` …; labels are unique. Skills ("install heat pump", "inspect food
    production equipment in kitchens") and knowledge ("heat pump", "legal requirements of ICT
    products") are mixed about 4 to 1, as in ESCO. Alternative labels use a verb of the same
    meaning, the gerund ("installing heat pump"), the noun of the action ("heat pump
    installation") or the other number of the last noun.
    """
    rng = np.random.default_rng(seed)
    verbs = [line.split() for line in _VERBS.replace("|", "\n").split("\n") if line.strip()]
    groups: dict[str, list[list[str]]] = {}
    for verb in verbs:
        groups.setdefault(verb[3], []).append(verb)
    modifiers, nouns = _pool(_MODIFIERS), _pool(_NOUNS)
    contexts = tuple(c.strip() for c in _CONTEXTS.replace("\n", "|").split("|") if c.strip())
    labels: set[str] = set()
    competences: list[Competence] = []
    while len(competences) < n:
        verb = verbs[int(rng.integers(len(verbs)))]
        mods = [str(m) for m in rng.choice(modifiers, size=int(rng.choice([0, 1, 1, 1, 2])))]
        noun = str(rng.choice(nouns))
        obj = " ".join([*mods, noun])
        context = str(rng.choice(contexts)) if rng.random() < 0.25 else ""
        knowledge = rng.random() < 0.2
        label = " ".join(w for w in (("" if knowledge else verb[0]), obj, context) if w)
        if label in labels or len(label.split()) < 1:
            continue
        labels.add(label)
        alts: list[str] = []
        if knowledge:
            alts.append(" ".join(w for w in (_other_number(obj), context) if w))
            alts.append(" ".join(w for w in (obj, verb[2], context) if w))
        else:
            for other in groups[verb[3]]:
                if other is not verb:
                    alts.append(" ".join(w for w in (other[0], obj, context) if w))
            alts.append(" ".join(w for w in (verb[1], obj, context) if w))
            alts.append(" ".join(w for w in (obj, verb[2], context) if w))
            alts.append(" ".join(w for w in (verb[0], _other_number(obj), context) if w))
        picked = [a for a in dict.fromkeys(alts) if a != label]
        rng.shuffle(picked)
        competences.append(
            Competence(f"s{len(competences):05d}", label, tuple(picked[:alt_labels]))
        )
    # As in ESCO, an alternative label names one competence and is nobody's preferred label.
    uses = Counter(alt for c in competences for alt in c.alt_labels)
    return tuple(
        Competence(
            c.id, c.label, tuple(a for a in c.alt_labels if uses[a] == 1 and a not in labels)
        )
        for c in competences
    )


def _other_number(phrase: str) -> str:
    words = phrase.split()
    last = words[-1]
    if last.endswith("ies"):
        words[-1] = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss"):
        words[-1] = last[:-1]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        words[-1] = last[:-1] + "ies"
    else:
        words[-1] = last + "s"
    return " ".join(words)
