"""The application shell: the QApplication, the main window and its pages, the screenshot views."""
