"""The Quiz page: start panel, question panel, exam report and their small widgets."""
