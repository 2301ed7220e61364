"""Widgets and helpers every feature shares: theme, dialogs, error reporting, settings, search box, the view registry."""
