"""The atlas's diagnosis hierarchy: which diagnoses are kinds of which.

A Brodie abscess and infectious spondylodiscitis are forms of bacterial osteomyelitis; offering
one beside the other in a quiz gives two right answers. ``overlap`` is the test every quiz item's
options must pass. "other" is the catch-all and overlaps everything, so it is never an option
beside a named diagnosis.
"""

from __future__ import annotations

# child -> parent. Anything not listed is a root.
PARENT: dict[str, str] = {
    "brodie-abscess": "bacterial-osteomyelitis",
    "spondylodiscitis": "bacterial-osteomyelitis",
}

CATCH_ALL = "other"


def ancestors(diagnosis: str) -> tuple[str, ...]:
    """The diagnosis itself and everything it is a kind of, nearest first."""
    chain = [diagnosis]
    while chain[-1] in PARENT:
        chain.append(PARENT[chain[-1]])
    return tuple(chain)


def overlap(a: str, b: str) -> bool:
    """True when one diagnosis includes the other (or they are the same, or one is 'other')."""
    if CATCH_ALL in (a, b):
        return True
    return a in ancestors(b) or b in ancestors(a)


def distinct(options: list[str] | tuple[str, ...]) -> bool:
    """True when no two options overlap, so exactly one can be the answer."""
    return all(not overlap(x, y) for i, x in enumerate(options) for y in options[i + 1 :])
