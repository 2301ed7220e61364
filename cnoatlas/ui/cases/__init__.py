"""The Cases page: the case browser, the case page as a teaching file and the DICOM import dialog."""
