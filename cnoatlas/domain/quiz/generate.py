"""Builds quiz questions: every question from its id alone, and question sets per mode and seed.

A question id says how to rebuild the question (``statement:onset-age``, ``pattern:tibio-
clavicular-crossover:3``, ``case:c12:find-all``), so the progress store keeps ids only and the
lecturer mode can show any question by id. Randomness always comes from a ``random.Random``
seeded with the session seed or the question id: same arguments, same questions.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Callable, Sequence

from cnoatlas.domain.diagnoses import overlap
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.quiz.bank import Bank, bank
from cnoatlas.domain.quiz.questions import (
    DIAGNOSES,
    DIAGNOSIS_SHORT,
    PATTERNS,
    TOPICS,
    TRUE_FALSE,
    CaseLesion,
    Question,
    QuizCase,
)
from cnoatlas.domain.quiz.scoring import SLICE_TOLERANCE
from cnoatlas.domain.sites import site_model

MODES = ("practice", "exam", "review")
PATTERN_VARIANTS = 4  # distributions generated per Andronikou pattern
_RANK_SUBSETS = (
    ("tibia", "clavicle", "spine", "mandible"),
    ("femur", "pelvis", "clavicle", "spine"),
)
_CASE_DIAGNOSIS_OPTIONS = 5


def _rng(*parts: object) -> random.Random:
    """A generator seeded from text, identical on every run and platform (unlike hash())."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _shuffled(items: Sequence[str], *seed: object) -> tuple[str, ...]:
    result = list(items)
    _rng(*seed).shuffle(result)
    return tuple(result)


def site_label(site_id: str) -> str:
    """The reader's name of a site or group, from the site model."""
    return site_model().name(site_id)


def in_sentence(name: str) -> str:
    """A name as it reads inside a sentence: "Right tibia" -> "right tibia", "T8 body" stays."""
    first = name.split(" ", 1)[0]
    if len(first) > 1 and not first[1:].islower():
        return name  # an abbreviation or a vertebra (T8, L2, SI): keep its capitals
    return name[:1].lower() + name[1:]


# --- questions from the bank -----------------------------------------------------------------
def _statement(b: Bank, key: str) -> Question:
    s = next((s for s in b.statements if s.id == key), None)
    if s is None:
        raise KeyError(key)
    return Question(
        id=f"statement:{s.id}",
        kind="true-false",
        topic=s.topic,
        prompt=f"True or false? {s.text}",
        options=("true", "false"),
        answer="true" if s.answer else "false",
        explanation=s.explanation,
        sources=s.sources,
        via=s.via,
        labels=TRUE_FALSE,
    )


def _best_answer(b: Bank, key: str) -> Question:
    s = next((s for s in b.best_answers if s.id == key), None)
    if s is None:
        raise KeyError(key)
    return Question(
        id=f"sba:{s.id}",
        kind="single-best-answer",
        topic=s.topic,
        prompt=s.prompt,
        options=_shuffled(s.options, "sba", s.id),
        answer=s.answer,
        explanation=s.explanation,
        sources=s.sources,
        via=s.via,
        differential=s.differential,
    )


def _feature(b: Bank, key: str) -> Question:
    f = next((f for f in b.features if f.id == key), None)
    if f is None:
        raise KeyError(key)
    other = f.differential
    return Question(
        id=f"feature:{f.id}",
        kind="feature",
        topic=f.topic,
        prompt=f"{f.finding[0].upper()}{f.finding[1:]}. Does this finding favour CNO or "
        f"{DIAGNOSIS_SHORT[other]}?",
        options=("cno", other),
        answer=f.favours,
        explanation=f.explanation,
        sources=f.sources,
        via=f.via,
        labels=DIAGNOSES,
        differential=other,
    )


# --- map questions from the site frequencies -----------------------------------------------
def _freq_sentence(b: Bank, site_ids: Sequence[str]) -> str:
    table = b.frequencies
    ranked = [v for v in table.ranked() if v.site_id in site_ids]
    listing = ", ".join(f"{v.label.lower()} {v.value:g} %" for v in ranked)
    return f"Share of children with a lesion in the bone (37 children, WB-MRI): {listing}."


def _map_question(b: Bank, key: str) -> Question:
    table = b.frequencies
    ids = [v.site_id for v in table.values]
    labels = {v.site_id: v.label for v in table.values}
    common = {"sources": table.sources, "via": table.via, "topic": "distribution", "labels": labels}
    if key == "most-frequent":
        top = tuple(v.site_id for v in table.ranked()[:3])
        return Question(
            id="map:most-frequent",
            kind="map-sites",
            prompt="Select the three bones in which CNO was found most often in Andronikou's "
            "whole-body MRI series.",
            options=_shuffled(ids, "map", key),
            answer=top,
            explanation="The lower-limb long bones lead, and the clavicle comes third. "
            + _freq_sentence(b, ids),
            **common,
        )
    if key.startswith("rank:"):
        subset = tuple(key.removeprefix("rank:").split("+"))
        if not set(subset) <= set(ids) or len(subset) < 2:
            raise KeyError(key)
        order = tuple(v.site_id for v in table.ranked() if v.site_id in subset)
        return Question(
            id=f"map:{key}",
            kind="map-rank",
            prompt="Put these bones in order, from the one most often involved by CNO to the "
            "least (Andronikou's WB-MRI series).",
            options=_shuffled(subset, "map", key),
            answer=order,
            explanation="From the most to the least often involved. " + _freq_sentence(b, subset),
            **common,
        )
    if key.startswith("pair:"):
        first, _, second = key.removeprefix("pair:").partition("+")
        if first not in ids or second not in ids or first == second:
            raise KeyError(key)
        winner = max((first, second), key=table.value)
        return Question(
            id=f"map:{key}",
            kind="map-choice",
            prompt=f"Which of these bones carried a CNO lesion in more children of Andronikou's "
            f"series: the {labels[first].lower()} or the {labels[second].lower()}?",
            options=(first, second),
            answer=winner,
            explanation=f"The {labels[winner].lower()} was involved more often. "
            + _freq_sentence(b, (first, second)),
            **common,
        )
    if key == "clavicle-third":
        thirds = ("lateral-third", "middle-third", "medial-third")
        options = tuple(f"clavicle.right.{t}" for t in thirds)
        return Question(
            id="map:clavicle-third",
            kind="map-choice",
            topic="distribution",
            prompt="Which part of the clavicle do CNO lesions typically involve? Select the part of "
            "the right clavicle.",
            options=options,
            answer="clavicle.right.medial-third",
            explanation="Clavicular CNO typically involves the medial third, next to the "
            "sternoclavicular joint, where the bone thickens and expands with periosteal new "
            "bone, hyperostosis and soft-tissue oedema.",
            sources=("nico2022",),
            labels={o: site_label(o) for o in options},
        )
    if key == "spine-region":
        options = ("spine.cervical", "spine.thoracic", "spine.lumbar")
        return Question(
            id="map:spine-region",
            kind="map-choice",
            topic="spine",
            prompt="Which part of the spine holds most of the spinal lesions in CNO?",
            options=options,
            answer="spine.thoracic",
            explanation="The thoracic spine carried 78 % of the spinal sites in Falip's series. "
            "These lesions are often painless, which is why WB-MRI images the whole spine.",
            sources=("falip2013",),
            via="nico2022",
            labels={
                "spine.cervical": "Cervical spine",
                "spine.thoracic": "Thoracic spine",
                "spine.lumbar": "Lumbar spine",
            },
        )
    raise KeyError(key)


def _map_keys(b: Bank) -> list[str]:
    ids = [v.site_id for v in b.frequencies.ranked()]
    keys = ["most-frequent", "rank:" + "+".join(ids), "clavicle-third", "spine-region"]
    keys += ["rank:" + "+".join(s) for s in _RANK_SUBSETS if set(s) <= set(ids)]
    # Neighbours in the ranking: the pairs worth asking about (tibia against mandible is not).
    keys += [f"pair:{a}+{b2}" for a, b2 in itertools.pairwise(ids)]
    return keys


# --- Andronikou patterns -----------------------------------------------------------------------
_LIMB_SITES = (
    "femur.{s}.distal-metaphysis",
    "femur.{s}.proximal-metaphysis",
    "fibula.{s}.distal-metaphysis",
    "fibula.{s}.proximal-metaphysis",
    "calcaneus.{s}",
    "talus.{s}",
    "metatarsal-1.{s}.shaft",
    "humerus.{s}.proximal-metaphysis",
    "radius.{s}.distal-metaphysis",
    "cuneiform-medial.{s}",
)
_TIBIA_SITES = ("tibia.{s}.distal-metaphysis", "tibia.{s}.proximal-metaphysis")
_SPINE_SITES = tuple(f"vertebra.{v}.body" for v in ("t4", "t6", "t8", "t10", "l2", "l4"))
_OTHER_SITES = ("ilium.{s}", "ischium.{s}", "sacroiliac-joint.{s}", "sternum.manubrium")


def _sided(rng: random.Random, templates: Sequence[str], count: int) -> list[str]:
    choices = [t.format(s=side) for t in templates for side in ("left", "right")]
    return rng.sample(sorted(set(choices)), count)


def pattern_lesions(pattern: str, variant: int) -> tuple[str, ...]:
    """A lesion distribution typical of the pattern, the same for the same variant."""
    if pattern not in PATTERNS:
        raise KeyError(pattern)
    rng = _rng("pattern", pattern, variant)
    sites: list[str] = []
    if pattern == "tibio-appendicular-multifocal":
        sites += _sided(rng, _TIBIA_SITES, rng.randint(2, 3))
        sites += _sided(rng, _LIMB_SITES, rng.randint(3, 6))
        sites += _sided(rng, _OTHER_SITES[:3], rng.randint(0, 1))
    elif pattern == "claviculo-spinal-pauci-focal":
        sites.append(f"clavicle.{rng.choice(('left', 'right'))}.medial-third")
        sites += rng.sample(_SPINE_SITES, rng.randint(1, 2))
        sites += _sided(rng, ("sternum.manubrium",), rng.randint(0, 1))
    else:
        sites.append(f"clavicle.{rng.choice(('left', 'right'))}.medial-third")
        sites += _sided(rng, _TIBIA_SITES, rng.randint(1, 2))
        sites += _sided(rng, _LIMB_SITES, rng.randint(1, 4))
        sites += rng.sample(_SPINE_SITES, rng.randint(0, 1))
    order = {site_id: index for index, site_id in enumerate(site_model().sites)}
    return tuple(sorted(set(sites), key=order.__getitem__))  # head to toe, as a report reads


def classify_pattern(site_ids: Sequence[str]) -> str | None:
    """Name the Andronikou pattern a lesion distribution fits, or None if none fits.

    Clavicle with tibia: crossover. Clavicle with few other lesions, the rest mainly spinal:
    claviculo-spinal pauci-focal. Tibia among three or more limb lesions, clavicle spared:
    tibio-appendicular multifocal.
    """
    bones = [s.split(".")[0] for s in site_ids]
    clavicle, tibia = "clavicle" in bones, "tibia" in bones
    limb_bones = {
        "femur",
        "tibia",
        "fibula",
        "humerus",
        "radius",
        "ulna",
        "patella",
        "talus",
        "calcaneus",
        "navicular",
        "cuboid",
        "carpals",
        "phalanges-hand",
        "phalanges-foot",
    }
    limb = sum(
        1
        for b in bones
        if b in limb_bones or b.startswith(("metatarsal", "metacarpal", "cuneiform"))
    )
    others = [b for b in bones if b != "clavicle"]
    spinal = sum(1 for b in others if b == "vertebra")
    if clavicle and tibia:
        return "tibio-clavicular-crossover"
    if clavicle and len(others) <= 3 and spinal >= max(1, len(others) - spinal):
        return "claviculo-spinal-pauci-focal"
    if tibia and not clavicle and limb >= 3:
        return "tibio-appendicular-multifocal"
    return None


_PATTERN_WHY = {
    "tibio-appendicular-multifocal": "Many lesions in the limbs with the tibia leading and the "
    "clavicle spared: the tibio-appendicular multifocal group.",
    "claviculo-spinal-pauci-focal": "A clavicular lesion with only a few others, mostly in the "
    "spine: the claviculo-spinal pauci-focal group.",
    "tibio-clavicular-crossover": "Clavicle and tibia are involved at the same time: the "
    "tibio-clavicular crossover group, which shares features of the other two.",
}


def _pattern_question(key: str) -> Question:
    pattern, _, variant = key.rpartition(":")
    if pattern not in PATTERNS or not variant.isdigit():
        raise KeyError(key)
    lesions = pattern_lesions(pattern, int(variant))
    listing = "; ".join(site_label(s) for s in lesions)
    return Question(
        id=f"pattern:{key}",
        kind="pattern",
        topic="distribution",
        prompt=f"Whole-body MRI of a child with CNO shows {len(lesions)} lesions: {listing}. "
        "Which of Andronikou's distribution patterns is this?",
        options=tuple(PATTERNS),
        answer=pattern,
        explanation=_PATTERN_WHY[pattern],
        sources=("andronikou2020",),
        via="nico2022",
        labels=PATTERNS,
    )


# --- case questions ----------------------------------------------------------------------------
_REGIONS = {
    "skull": "the head",
    "mandible": "the head",
    "maxilla": "the head",
    "vertebra": "the spine",
    "spine": "the spine",
    "sacrum": "the spine",
    "clavicle": "the shoulders and chest wall",
    "scapula": "the shoulders and chest wall",
    "sternum": "the shoulders and chest wall",
    "ribs": "the shoulders and chest wall",
    "rib": "the shoulders and chest wall",
    "ilium": "the pelvis",
    "ischium": "the pelvis",
    "pubis": "the pelvis",
    "acetabulum": "the pelvis",
    "pelvis": "the pelvis",
    "sacroiliac-joint": "the pelvis",
    "humerus": "the upper limbs",
    "radius": "the upper limbs",
    "ulna": "the upper limbs",
    "carpals": "the upper limbs",
    "hand": "the upper limbs",
    "phalanges-hand": "the upper limbs",
}


def body_region(site_id: str, sided: bool = False) -> str:
    """The body region a site lies in, as a prompt may name it ("the lower limbs"); with
    ``sided``, one side of it where the site has a side ("the left lower limb")."""
    bone = site_id.split(".")[0]
    region = "the upper limbs" if bone.startswith("metacarpal") else _REGIONS.get(bone)
    region = region or "the lower limbs"
    side = next((p for p in site_id.split(".") if p in ("left", "right")), None)
    if not sided or side is None or not region.endswith("limbs"):
        return region
    return f"the {side} {region.removeprefix('the ').removesuffix('s')}"


# What a radiologist weighs for each diagnosis, from the case's own age, sites and spread.
# Weights only rank the distractors; they are never shown.
def _plausibility(case: QuizCase) -> dict[str, float]:
    bones = {lesion.site_id.split(".")[0] for lesion in case.lesions}
    parts = {lesion.site_id.rsplit(".", 1)[-1] for lesion in case.lesions}
    age = case.age_years if case.age_years is not None else 10.0
    many = len(bones) > 1 or len(case.lesions) > 2
    w = dict.fromkeys((d for d in DIAGNOSES if d != "other"), 0.0)
    if many:
        for d, v in (("cno", 3), ("leukaemia", 3), ("lch", 2), ("lymphoma", 2)):
            w[d] += v
    else:
        for d, v in (
            ("bacterial-osteomyelitis", 3),
            ("lch", 2),
            ("ewing-sarcoma", 2),
            ("osteosarcoma", 1),
            ("cno", 2),
        ):
            w[d] += v
    if bones <= {"vertebra", "spine"}:  # disease of the spine alone: infection of a disc first
        for d, v in (("spondylodiscitis", 4), ("lch", 2), ("leukaemia", 1), ("lymphoma", 1)):
            w[d] += v
    elif "vertebra" in bones or "spine" in bones:
        for d, v in (("lch", 2), ("leukaemia", 1), ("lymphoma", 1)):
            w[d] += v
    if "skull" in bones:
        w["lch"] += 4
    if "diaphysis" in parts:
        for d, v in (
            ("ewing-sarcoma", 3),
            ("lch", 2),
            ("bacterial-osteomyelitis", 1),
            ("lymphoma", 1),
        ):
            w[d] += v
    if any(p.endswith("metaphysis") for p in parts):
        for d, v in (("bacterial-osteomyelitis", 2), ("leukaemia", 1)):
            w[d] += v
        if not many:  # a walled-off abscess is one metaphyseal lesion
            w["brodie-abscess"] += 3
        if age >= 10 and not many:  # osteosarcoma is a single lesion
            w["osteosarcoma"] += 2
    if "clavicle" in bones:
        for d, v in (("cno", 3), ("ewing-sarcoma", 1), ("lch", 1), ("bacterial-osteomyelitis", 1)):
            w[d] += v
    if bones & {"sacroiliac-joint", "ilium", "ischium", "acetabulum", "pelvis"}:
        for d, v in (
            ("juvenile-spondyloarthritis", 3),
            ("bacterial-osteomyelitis", 2),
            ("ewing-sarcoma", 1),
        ):
            w[d] += v
    # the "other" differentials (sub-diagnoses of "other", distinct from the named ones)
    def bump(d: str, v: float) -> None:
        if d in w:  # the vocabulary is a data file: a removed entry is skipped
            w[d] += v

    metaphyses = sum(1 for p in parts if p.endswith("metaphysis"))
    if many:
        if age < 6:
            bump("neuroblastoma", 3)
        if metaphyses:  # symmetric metaphyseal signal: the metabolic mimics
            for d in ("scurvy", "hypophosphatasia"):
                bump(d, 2)
    else:
        bump("osteoid-osteoma", 2 if age >= 5 else 0)
        if bones & {"tibia", "femur", "fibula", "calcaneus"} or any(
            b.startswith("metatarsal") for b in bones
        ):
            bump("stress-injury", 2 if age >= 9 else 1)
        if "diaphysis" in parts or bones & {"femur", "tibia"}:
            bump("osteoid-osteoma", 1)
    if "skull" in bones or ("vertebra" in bones and age < 6):
        bump("neuroblastoma", 2)
    if age < 5:
        for d in ("lch", "leukaemia", "bacterial-osteomyelitis"):
            w[d] += 1
    elif age >= 10:
        for d in ("ewing-sarcoma", "juvenile-spondyloarthritis"):
            w[d] += 1
        if not many:
            w["osteosarcoma"] += 1
    return w


def diagnosis_options(case: QuizCase) -> list[str]:
    """The key, CNO, and the likeliest other diagnoses for this case's age, sites and spread,
    never two that overlap under the hierarchy (a Brodie abscess is bacterial osteomyelitis)."""
    weights = _plausibility(case)
    rng = _rng("case-diagnosis", case.id)
    ranked = sorted(weights, key=lambda d: (-weights[d], rng.random()))
    options = [case.diagnosis]
    for d in ["cno", *ranked]:
        if len(options) == _CASE_DIAGNOSIS_OPTIONS:
            break
        if all(not overlap(d, o) for o in options):
            options.append(d)
    return options


def _article_for_age(age: str) -> str:
    """ "An 8-year-old", "an 11-year-old", "an 18-year-old": the article follows the spoken number."""
    whole = age.split(".")[0]
    return "An" if whole.startswith("8") or whole in {"11", "18"} else "A"


def _case_intro(case: QuizCase) -> str:
    noun = {"female": "girl", "male": "boy"}.get(case.sex or "", "child")
    if case.age_years is None:
        return f"A {noun}. {case.history.strip()}"
    age = f"{case.age_years:g}"
    return f"{_article_for_age(age)} {age}-year-old {noun}. {case.history.strip()}"


def _on_image(case: QuizCase) -> list[CaseLesion]:
    return [lesion for lesion in case.lesions if lesion.on_image]


def _case_question(key: str, cases: Sequence[QuizCase]) -> Question:
    case_id, _, part = key.rpartition(":")
    case = next((c for c in cases if c.id == case_id), None)
    if case is None or case.diagnosis not in DIAGNOSES:
        raise KeyError(key)
    common = {
        "topic": "cases",
        "sources": tuple(case.sources) or ("nico2022",),
        "case_id": case.id,
        "differential": None if case.diagnosis == "cno" else case.diagnosis,
    }
    verdict = f"The diagnosis in this case is {DIAGNOSIS_SHORT[case.diagnosis]}."
    teaching = f"{verdict} {case.teaching}".strip()
    on_image = _on_image(case)
    if part == "diagnosis":
        if getattr(case, "follow_up", False) or case.diagnosis == "other":
            # a follow-up is read against its baseline; "other" overlaps every named option
            raise KeyError(key)  # a follow-up study is read against its baseline, not diagnosed
        options = diagnosis_options(case)
        painful = [lesion for lesion in case.lesions if not lesion.silent]
        sites = list(dict.fromkeys(in_sentence(site_label(lesion.site_id)) for lesion in painful))
        findings = f" Symptomatic sites: {'; '.join(sites)}." if sites else ""
        look = " Look at the images." if on_image else ""
        return Question(
            id=f"case:{key}",
            kind="diagnosis",
            prompt=f"{_case_intro(case)}{findings}{look} What is the most likely diagnosis?",
            options=_shuffled(options, "case-options", case.id),
            answer=case.diagnosis,
            explanation=teaching,
            labels=DIAGNOSES,
            **common,
        )
    if part.startswith("spot-") and part[5:].isdigit() and int(part[5:]) < len(on_image):
        lesion = on_image[int(part[5:])]
        # Another lesion on (or next to) the same slice would be an equally good click: then the
        # prompt names the one wanted (finding that bone is the task).
        crowded = any(
            other is not lesion
            and other.series_uid == lesion.series_uid
            and abs(other.slice - lesion.slice) <= SLICE_TOLERANCE + 1
            for other in on_image
        )
        which = ""
        if crowded:
            # Name the body region at most (with its side when that is what tells two lesions
            # apart), never the site: finding the bone is the task. Two crowded lesions on the
            # same side of one region cannot be told apart, so find-all covers them.
            neighbours = [
                other
                for other in on_image
                if other is not lesion
                and other.series_uid == lesion.series_uid
                and abs(other.slice - lesion.slice) <= SLICE_TOLERANCE + 1
            ]
            region = body_region(lesion.site_id)
            same_region = [o for o in neighbours if body_region(o.site_id) == region]
            if not same_region:
                which = f": the one in {region}"
            else:
                sided = body_region(lesion.site_id, sided=True)
                if sided == region or any(
                    body_region(o.site_id, sided=True) == sided for o in same_region
                ):
                    raise KeyError(key)
                which = f": the one in {sided}"
        return Question(
            id=f"case:{key}",
            kind="spot-lesion",
            prompt=f"{_case_intro(case)} Click the lesion on this slice{which}.",
            options=(),
            answer=lesion.to_json(),
            explanation=f"The lesion is in the {in_sentence(site_label(lesion.site_id))}. {teaching}",
            **common,
        )
    if part == "find-all" and len(on_image) > 1:
        sites = sorted({in_sentence(site_label(lesion.site_id)) for lesion in on_image})
        return Question(
            id=f"case:{key}",
            kind="find-all-lesions",
            prompt=f"{_case_intro(case)} Mark every lesion you can find in this study.",
            options=(),
            answer=tuple(lesion.to_json() for lesion in on_image),
            explanation=f"Lesions: {', '.join(sites)}. Whole-body MRI often shows lesions that "
            f"do not hurt. {teaching}",
            **common,
        )
    raise KeyError(key)


def _case_keys(cases: Sequence[QuizCase]) -> list[str]:
    keys = []
    for case in cases:
        if case.diagnosis not in DIAGNOSES:
            continue
        if not getattr(case, "follow_up", False) and case.diagnosis != "other":
            keys.append(f"{case.id}:diagnosis")
        on_image = _on_image(case)
        for i in range(len(on_image)):
            try:
                _case_question(f"{case.id}:spot-{i}", [case])
            except KeyError:
                continue  # two lesions side by side in one region: left to find-all
            keys.append(f"{case.id}:spot-{i}")
        if len(on_image) > 1:
            keys.append(f"{case.id}:find-all")
    return keys


# --- the pool ----------------------------------------------------------------------------------
def question_ids(cases: Sequence[QuizCase] = (), b: Bank | None = None) -> list[str]:
    """Every question the quiz can ask, in a stable order."""
    b = b or bank()
    ids = [f"statement:{s.id}" for s in b.statements]
    ids += [f"sba:{s.id}" for s in b.best_answers]
    ids += [f"feature:{f.id}" for f in b.features]
    ids += [f"map:{k}" for k in _map_keys(b)]
    ids += [f"pattern:{p}:{v}" for p in PATTERNS for v in range(1, PATTERN_VARIANTS + 1)]
    ids += [f"case:{k}" for k in _case_keys(cases)]
    return ids


def question(question_id: str, cases: Sequence[QuizCase] = (), b: Bank | None = None) -> Question:
    """The question with this id; AtlasError if no question has it."""
    b = b or bank()
    family, _, key = question_id.partition(":")
    builders: dict[str, Callable[[str], Question]] = {
        "statement": lambda k: _statement(b, k),
        "sba": lambda k: _best_answer(b, k),
        "feature": lambda k: _feature(b, k),
        "map": lambda k: _map_question(b, k),
        "pattern": _pattern_question,
        "case": lambda k: _case_question(k, cases),
    }
    try:
        return builders[family](key)
    except KeyError:
        raise AtlasError(f"unknown question id '{question_id}'") from None


def _interleave(ids: list[str], rng: random.Random) -> list[str]:
    """Shuffle, then deal the question families in turn so a short quiz stays varied."""
    rng.shuffle(ids)
    by_family: dict[str, list[str]] = {}
    for qid in ids:
        by_family.setdefault(qid.split(":")[0], []).append(qid)
    families = list(by_family)
    rng.shuffle(families)
    result: list[str] = []
    while any(by_family.values()):
        for family in families:
            if by_family[family]:
                result.append(by_family[family].pop())
    return result


def generate(
    mode: str,
    n: int,
    seed: int,
    *,
    topics: Sequence[str] | None = None,
    cases: Sequence[QuizCase] = (),
    due: Sequence[str] = (),
    seen: Sequence[str] = (),
    b: Bank | None = None,
) -> list[Question]:
    """The n questions a session asks.

    Review mode asks ``due`` ids first (in the order given: most overdue first), then questions
    never seen; ``due`` and ``seen`` come from the progress store.
    """
    if mode not in MODES:
        raise AtlasError(f"unknown quiz mode '{mode}' (modes: {', '.join(MODES)})")
    if n < 1:
        raise AtlasError(f"--n must be at least 1, not {n}")
    unknown = [t for t in topics or () if t not in TOPICS]
    if unknown:
        raise AtlasError(f"unknown topic '{unknown[0]}' (topics: {', '.join(TOPICS)})")
    b = b or bank()
    pool = [question(qid, cases, b) for qid in question_ids(cases, b)]
    if topics:
        pool = [q for q in pool if q.topic in topics]
    by_id = {q.id: q for q in pool}
    rng = random.Random(seed)
    if mode == "review":
        seen_set = set(seen)
        order = [qid for qid in due if qid in by_id]
        order += _interleave([qid for qid in by_id if qid not in seen_set], rng)
    else:
        order = _interleave(list(by_id), rng)
    return [by_id[qid] for qid in order[:n]]
