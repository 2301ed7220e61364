"""A note on a whole bone, shown for one part of it, says that its figure is the bone's."""

from cnoatlas.domain.site_notes import for_whole_bone, notes_for


def _note(site_id, note_id):
    return next(n for n in notes_for(site_id) if n.id == note_id)


def test_a_whole_bone_figure_on_a_sub_site_names_the_bone():
    note = _note("femur.right.distal-epiphysis", "femur")
    assert "43%" in note.text
    assert for_whole_bone(note, "femur.right.distal-epiphysis") == "femur"
    assert for_whole_bone(note, "femur.left.diaphysis") == "femur"


def test_segment_notes_and_whole_bones_need_no_warning():
    diaphysis = _note("femur.right.diaphysis", "long-bone-diaphysis")
    assert diaphysis.by_segment
    assert for_whole_bone(diaphysis, "femur.right.diaphysis") == ""
    mandible = notes_for("mandible.right")
    assert mandible and all(for_whole_bone(n, "mandible.right") == "" for n in mandible)
    assert for_whole_bone(diaphysis, "no.such.site") == ""
