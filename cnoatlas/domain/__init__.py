"""Pure-Python model of the atlas (sites, evidence, cases, quiz, progress): no Qt, imaging or library."""
