"""Write assets/sites.json: every anatomical site of the atlas and the groups that gather them.

The site ids follow the scheme in the shared brief and are a contract: change names freely,
never ids. Run ``python tools/build_sites.py`` after editing; the output is committed.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assets" / "sites.json"
SIDES = ("right", "left")  # patient's right first: it is drawn first, on the viewer's left

LONG_BONES = {  # bone: (singular, plural)
    "humerus": ("humerus", "humeri"),
    "radius": ("radius", "radii"),
    "ulna": ("ulna", "ulnae"),
    "femur": ("femur", "femora"),
    "tibia": ("tibia", "tibiae"),
    "fibula": ("fibula", "fibulae"),
}
LONG_SEGMENTS = (
    ("proximal-epiphysis", "epiphysis", "proximal epiphysis"),
    ("proximal-metaphysis", "metaphysis", "proximal metaphysis"),
    ("diaphysis", "diaphysis", "diaphysis (shaft)"),
    ("distal-metaphysis", "metaphysis", "distal metaphysis"),
    ("distal-epiphysis", "epiphysis", "distal epiphysis"),
)
# The names radiologists use for some segments, put in front of the generic one.
COMMON_NAMES = {
    ("humerus", "proximal-epiphysis"): "humeral head",
    ("humerus", "distal-epiphysis"): "trochlea and epicondyles",
    ("radius", "proximal-epiphysis"): "radial head",
    ("ulna", "proximal-epiphysis"): "olecranon",
    ("femur", "proximal-epiphysis"): "femoral head",
    ("femur", "proximal-metaphysis"): "femoral neck",
    ("tibia", "proximal-epiphysis"): "tibial plateau",
    ("tibia", "distal-epiphysis"): "tibial plafond",
    ("fibula", "proximal-epiphysis"): "fibular head",
    ("fibula", "distal-epiphysis"): "lateral malleolus",
}
ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
RAY_SEGMENTS = (("base", "base"), ("shaft", "shaft"), ("head", "head"))
# C1 has no body; its place in front of the canal is the anterior arch and lateral masses.
BODY_NAMES = {"c1": "C1 anterior arch and lateral masses", "c2": "C2 vertebral body and dens"}
CERVICAL = [f"c{i}" for i in range(1, 8)]
THORACIC = [f"t{i}" for i in range(1, 13)]
LUMBAR = [f"l{i}" for i in range(1, 6)]


class Builder:
    def __init__(self) -> None:
        self.sites: list[dict] = []
        self.groups: dict[str, dict] = {}

    def group(
        self, gid: str, name: str, parent: str | None = None, members: list[str] | None = None
    ) -> None:
        if gid in self.groups:
            return
        entry: dict = {"id": gid, "name": name, "parent": parent}
        if members:
            entry["members"] = members
        self.groups[gid] = entry

    def site(
        self, sid: str, name: str, bone: str, side: str, segment: str | None, parent: str | None
    ) -> None:
        self.sites.append(
            {
                "id": sid,
                "name": name,
                "bone": bone,
                "side": side,
                "segment": segment,
                "parent": parent,
            }
        )


def cap(text: str) -> str:
    return text[0].upper() + text[1:]


def paired_whole(b: Builder, bone: str, noun: str, plural: str) -> None:
    """A bone drawn as one shape per side (scapula, patella, talus…)."""
    b.group(bone, cap(plural))
    for side in SIDES:
        b.site(f"{bone}.{side}", f"{cap(side)} {noun}", noun, side, None, bone)


def build() -> dict:
    b = Builder()
    # Skull and mandible
    b.group("skull", "Skull and mandible", members=["mandible"])
    b.site("skull.vault", "Skull vault", "skull", "midline", None, "skull")
    b.group("mandible", "Mandible")
    for side in SIDES:
        b.site(f"mandible.{side}", f"Mandible, {side} half", "mandible", side, None, "mandible")

    # Spine
    b.group("vertebra", "Vertebrae C1–L5")
    for level in CERVICAL + THORACIC + LUMBAR:
        label = level.upper()
        b.group(f"vertebra.{level}", f"{label} vertebra", "vertebra")
        body_name = BODY_NAMES.get(level, f"{label} vertebral body")
        b.site(
            f"vertebra.{level}.body",
            body_name,
            f"{label} vertebra",
            "midline",
            "body",
            f"vertebra.{level}",
        )
        b.site(
            f"vertebra.{level}.posterior-elements",
            f"{label} posterior elements",
            f"{label} vertebra",
            "midline",
            "posterior-elements",
            f"vertebra.{level}",
        )
    b.group("spine", "Spine", members=["spine.cervical", "spine.thoracic", "spine.lumbar"])
    b.group(
        "spine.cervical", "Cervical spine", "spine", members=[f"vertebra.{v}" for v in CERVICAL]
    )
    b.group(
        "spine.thoracic", "Thoracic spine", "spine", members=[f"vertebra.{v}" for v in THORACIC]
    )
    b.group("spine.lumbar", "Lumbar spine", "spine", members=[f"vertebra.{v}" for v in LUMBAR])
    # spine.* are children of spine by parent already; members would duplicate them.
    del b.groups["spine"]["members"]

    # Shoulder girdle and chest
    b.group("clavicle", "Clavicles")
    for side in SIDES:
        b.group(f"clavicle.{side}", f"{cap(side)} clavicle", "clavicle")
        for part in ("medial", "middle", "lateral"):
            b.site(
                f"clavicle.{side}.{part}-third",
                f"{cap(side)} clavicle, {part} third",
                "clavicle",
                side,
                "third",
                f"clavicle.{side}",
            )
    b.group("sternum", "Sternum")
    b.site("sternum.manubrium", "Manubrium of the sternum", "sternum", "midline", None, "sternum")
    b.site("sternum.body", "Body of the sternum", "sternum", "midline", "body", "sternum")
    paired_whole(b, "scapula", "scapula", "scapulae")
    b.group("ribs", "Ribs")
    for side in SIDES:
        b.site(f"ribs.{side}", f"{cap(side)} ribs", "ribs", side, None, "ribs")

    # Upper limbs
    for bone in ("humerus", "radius", "ulna"):
        long_bone(b, bone)
    b.group("carpals", "Carpal bones")
    b.group("phalanges-hand", "Finger phalanges")
    for side in SIDES:
        b.site(
            f"carpals.{side}", f"{cap(side)} carpal bones", "carpal bones", side, None, "carpals"
        )
    for ray in range(1, 6):
        ray_bone(b, "metacarpal", ray)
    for side in SIDES:
        b.site(
            f"phalanges-hand.{side}",
            f"{cap(side)} finger phalanges",
            "finger phalanges",
            side,
            None,
            "phalanges-hand",
        )

    # Pelvis
    b.site("sacrum", "Sacrum", "sacrum", "midline", None, None)
    b.site("coccyx", "Coccyx", "coccyx", "midline", None, None)
    b.group("sacroiliac-joint", "Sacroiliac joints")
    for side in SIDES:
        b.site(
            f"sacroiliac-joint.{side}",
            f"{cap(side)} sacroiliac joint",
            "sacroiliac joint",
            side,
            None,
            "sacroiliac-joint",
        )
    paired_whole(b, "ilium", "ilium", "iliac bones")
    paired_whole(b, "ischium", "ischium", "ischia")
    paired_whole(b, "pubis", "pubis", "pubic bones")
    b.group("acetabulum", "Acetabula")
    for side in SIDES:
        b.group(f"acetabulum.{side}", f"{cap(side)} acetabulum", "acetabulum")
        for col in ("anterior", "posterior"):
            b.site(
                f"acetabulum.{side}.{col}-column",
                f"{cap(side)} acetabulum, {col} column",
                "acetabulum",
                side,
                "column",
                f"acetabulum.{side}",
            )
    b.group(
        "pelvis",
        "Pelvis",
        members=["sacrum", "coccyx", "sacroiliac-joint", "ilium", "ischium", "pubis", "acetabulum"],
    )

    # Lower limbs
    long_bone(b, "femur")
    paired_whole(b, "patella", "patella", "patellae")
    long_bone(b, "tibia")
    long_bone(b, "fibula")
    for bone, plural in (
        ("talus", "tali"),
        ("calcaneus", "calcanei"),
        ("navicular", "navicular bones"),
        ("cuboid", "cuboid bones"),
    ):
        paired_whole(b, bone, bone, plural)
    for part in ("medial", "intermediate", "lateral"):
        paired_whole(b, f"cuneiform-{part}", f"{part} cuneiform", f"{part} cuneiforms")
    for ray in range(1, 6):
        ray_bone(b, "metatarsal", ray)
    b.group("phalanges-foot", "Toe phalanges")
    for side in SIDES:
        b.site(
            f"phalanges-foot.{side}",
            f"{cap(side)} toe phalanges",
            "toe phalanges",
            side,
            None,
            "phalanges-foot",
        )

    # Regions of hands and feet
    tarsals = [
        "talus",
        "calcaneus",
        "navicular",
        "cuboid",
        "cuneiform-medial",
        "cuneiform-intermediate",
        "cuneiform-lateral",
    ]
    for side in SIDES:
        b.group(
            f"metacarpus.{side}",
            f"{cap(side)} metacarpals",
            members=[f"metacarpal-{r}.{side}" for r in range(1, 6)],
        )
        b.group(
            f"hand.{side}",
            f"{cap(side)} hand",
            members=[f"carpals.{side}", f"metacarpus.{side}", f"phalanges-hand.{side}"],
        )
        b.group(
            f"tarsus.{side}", f"{cap(side)} tarsal bones", members=[f"{t}.{side}" for t in tarsals]
        )
        b.group(
            f"metatarsus.{side}",
            f"{cap(side)} metatarsals",
            members=[f"metatarsal-{r}.{side}" for r in range(1, 6)],
        )
        b.group(
            f"foot.{side}",
            f"{cap(side)} foot",
            members=[f"tarsus.{side}", f"metatarsus.{side}", f"phalanges-foot.{side}"],
        )

    return {
        "version": 1,
        "about": "Anatomical sites of the CNO Atlas. Ids are a contract; names may change. "
        "Generated by tools/build_sites.py.",
        "sides": ["left", "right", "midline"],
        "segments": [
            "epiphysis",
            "metaphysis",
            "diaphysis",
            "apophysis",
            "body",
            "posterior-elements",
            "base",
            "shaft",
            "head",
            "third",
            "column",
        ],
        "groups": list(b.groups.values()),
        "sites": b.sites,
    }


def long_bone(b: Builder, bone: str) -> None:
    noun, plural = LONG_BONES[bone]
    b.group(bone, cap(plural))
    for side in SIDES:
        parent = f"{bone}.{side}"
        b.group(parent, f"{cap(side)} {noun}", bone)
        for key, segment, label in LONG_SEGMENTS:
            common = COMMON_NAMES.get((bone, key))
            text = f"{common} ({label})" if common else label
            b.site(f"{parent}.{key}", f"{cap(side)} {noun}, {text}", noun, side, segment, parent)
            if bone == "femur" and key == "proximal-metaphysis":
                b.site(
                    f"{parent}.greater-trochanter",
                    f"{cap(side)} femur, greater trochanter",
                    noun,
                    side,
                    "apophysis",
                    parent,
                )
                b.site(
                    f"{parent}.intertrochanteric",
                    f"{cap(side)} femur, intertrochanteric region",
                    noun,
                    side,
                    "metaphysis",
                    parent,
                )
            if bone == "humerus" and key == "distal-epiphysis":
                b.site(
                    f"{parent}.capitellum",
                    f"{cap(side)} humerus, capitellum",
                    noun,
                    side,
                    "epiphysis",
                    parent,
                )


def ray_bone(b: Builder, kind: str, ray: int) -> None:
    bone = f"{kind}-{ray}"
    noun = f"{ORDINAL[ray]} {kind}"
    b.group(bone, cap(f"{noun}s"))
    for side in SIDES:
        parent = f"{bone}.{side}"
        b.group(parent, f"{cap(side)} {noun}", bone)
        for key, label in RAY_SEGMENTS:
            b.site(f"{parent}.{key}", f"{cap(side)} {noun}, {label}", noun, side, key, parent)


def dump(data: dict) -> str:
    """JSON with one site or group per line, so a person can read and diff the file."""

    def one(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ["{"]
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows = ",\n".join(f"    {one(item)}" for item in value)
            lines.append(f"  {one(key)}: [\n{rows}\n  ],")
        else:
            lines.append(f"  {one(key)}: {one(value)},")
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    data = build()
    OUT.write_text(dump(data), encoding="utf-8")
    print(f"wrote {OUT} ({len(data['sites'])} sites, {len(data['groups'])} groups)")


if __name__ == "__main__":
    main()
