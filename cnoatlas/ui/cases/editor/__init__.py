"""The case editor: lecturers write their own cases (form, lesions on the map, annotations)."""
