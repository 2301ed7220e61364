"""The user's case library: DICOM import with de-identification, case packages, the study cache.

Uses domain and imaging; neither of them uses it.
"""
