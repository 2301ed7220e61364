"""The atlas's profile against DICOM PS3.15 Table E.1-1, row by row.

The table is embedded as data (cnoatlas/imaging/annex_e.py); this checks the embedded rows
against an independent transcription (the dicom-anonymizer package), then plants a value in
every row's element and checks that the de-identifier leaves none of them, except what a
documented option keeps (and then in the form the option allows).
"""

from __future__ import annotations

import pytest
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from cnoatlas.imaging.annex_e import TABLE_E1_1
from cnoatlas.imaging.confidentiality import (
    CLEANED_DESCRIPTORS,
    CLEANED_STRUCTURED,
    EMPTIED_TYPE2,
    REPLACED,
    RETAINED_CHARACTERISTICS,
    basic_action,
    profile_action,
)
from cnoatlas.imaging.deidentify import Deidentifier
from cnoatlas.imaging.safe_tags import is_identifying

SECRET = "Plantedsecret"


def test_the_embedded_table_is_the_standards():
    fields = pytest.importorskip("dicomanonymizer.dicom_anonymization_databases.dicomfields_2026c")
    theirs = {}
    for name in ("D", "Z", "X", "U", "Z_D", "X_Z", "X_D", "X_Z_D", "X_Z_U_STAR"):
        action = name.replace("_STAR", "*").replace("_", "/")
        for row in getattr(fields, f"{name}_TAGS"):
            tag = row[0] << 16 | row[1]
            mask = row[2] << 16 | row[3] if len(row) == 4 else 0xFFFFFFFF
            theirs[tag, mask] = action
    ours = {(tag, mask): action for tag, mask, action, _name in TABLE_E1_1}
    assert ours == theirs
    assert len(ours) > 600


def _rows():
    for tag, mask, action, name in TABLE_E1_1:
        if mask != 0xFFFFFFFF:
            continue
        try:
            vr = dictionary_VR(tag)
        except KeyError:
            continue  # retired from the dictionary pydicom ships
        if " or " in vr or vr in ("AT", "OB", "OW", "OF", "OD", "OL", "OV", "UN"):
            continue
        yield tag, vr, action, name


ROWS = list(_rows())


def test_every_row_is_acted_on_or_kept_by_a_named_option():
    kept = {}
    for tag, vr, action, _name in ROWS:
        ours = profile_action(tag, vr)
        assert ours != "keep" or tag in RETAINED_CHARACTERISTICS, keyword_for_tag(tag)
        if ours in ("keep", "clean", "walk", "shift"):
            kept[keyword_for_tag(tag)] = ours
        if ours == "walk":  # only a content tree or a reference whose UIDs are replaced
            assert tag in CLEANED_STRUCTURED or ("U" in action and vr == "SQ"), tag
        if ours == "shift":  # Retain Longitudinal Temporal Information, Modified Dates
            assert vr in ("DA", "DT", "TM")
        if ours == "clean":
            assert tag in CLEANED_DESCRIPTORS
    assert kept["PatientSex"] == "keep" and kept["SeriesDescription"] == "clean"
    assert basic_action(0x60003000) == "X" and basic_action(0x50020000) == "X"
    assert profile_action(0x60100010, "US") == "remove"  # the rest of an overlay group too
    assert profile_action(0x00880200, "SQ") == "remove"  # icon images


def _value(vr: str):
    if vr == "SQ":
        item = Dataset()
        item.PersonName = SECRET + "^Person"
        item.TextValue = SECRET
        return Sequence([item])
    return {
        "DA": "20100314",
        "DT": "20100314101010",
        "TM": "101010",
        "UI": "1.2.826.0.1.3680043.2.99.123",
        "AS": "011Y",
        "DS": "77.7",
        "IS": "777",
        "CS": "PLANTEDSECRET",
        "AE": "PLANTEDSECRET",
        "US": 7,
        "SS": 7,
        "UL": 7,
        "SL": 7,
        "FL": 7.5,
        "FD": 7.5,
        "UV": 7,
        "SV": 7,
    }.get(vr, SECRET)


def test_a_value_planted_in_every_row_is_removed_emptied_replaced_or_option_kept():
    ds = Dataset()
    planted = {}
    for tag, vr, _action, _name in ROWS:
        ds.add_new(tag, vr, _value(vr))
        planted[tag] = vr
    done = Deidentifier("case-x", salt=b"s", date_offset_days=-400).apply(ds)
    assert done
    for tag, vr in planted.items():
        keyword = keyword_for_tag(tag)
        value = ds[tag].value if tag in ds else None
        if value is None or value == "" or (isinstance(value, Sequence) and not len(value)):
            continue
        if tag in REPLACED:
            assert str(value) in ("ANON^case-x", "case-x")
        elif tag in RETAINED_CHARACTERISTICS:
            assert str(value) == str(_value(vr)) or keyword == "PatientAge"
        elif vr == "UI":
            assert str(value).startswith("2.25."), keyword
        elif vr == "DA":
            assert str(value) == "20090207", keyword  # shifted by the offset
        elif vr == "DT":
            assert str(value).startswith("20090207"), keyword
        elif vr == "TM":
            assert str(value) == "101010"  # times stay: the shift is by whole days
        elif vr == "SQ":  # a content tree or a reference: nothing planted survives inside
            for item in value:
                assert "PersonName" not in item
                assert not item.get("TextValue")
        elif tag in CLEANED_DESCRIPTORS:
            pytest.fail(f"{keyword}: a descriptor holding nothing clean-able was kept")
        else:
            pytest.fail(f"{keyword} ({vr}) kept its planted value")
        assert tag not in EMPTIED_TYPE2


def test_the_screen_hides_every_row_the_import_does_not_keep():
    for tag, vr, _action, _name in ROWS:
        ours = profile_action(tag, vr)
        if ours in ("remove", "empty", "uid", "replace") or (ours == "shift" and vr != "TM"):
            assert is_identifying(tag, vr), keyword_for_tag(tag)
