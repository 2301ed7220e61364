"""Thin Qt widgets grouped by feature; the shell composes them into the window."""
