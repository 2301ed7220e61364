"""Lecture mode: the presentation window, presenter view, slides, their export and the playlist editor."""
