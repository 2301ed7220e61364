"""Short names the Cases section shows on buttons and cards (the full ones are domain DIAGNOSES).

A module of its own so the case browser can name diagnoses without importing the case reader
(and the image loading behind it) before a case is opened.
"""

from __future__ import annotations

# Short diagnosis names for buttons and cards (the full name is in DIAGNOSES).
SHORT_DIAGNOSES = {
    "cno": "CNO / CRMO",
    "bacterial-osteomyelitis": "Bacterial osteomyelitis",
    "spondylodiscitis": "Spondylodiscitis",
    "lch": "LCH",
    "leukaemia": "Leukaemia",
}
