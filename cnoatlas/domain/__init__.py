"""Pure-Python model of the atlas (sites, evidence, cases, quiz, progress). Never imports Qt."""
