"""The Progress page: scores over time, by topic, weakest differentials and reviews due."""
