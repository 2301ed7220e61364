"""The Cases page's "Import DICOM…" dialog: runs off the UI thread, shows the report."""

from __future__ import annotations

import pytest

from cnoatlas.domain import cases
from cnoatlas.ui.cases.browser import CaseBrowser, CasesPage
from cnoatlas.ui.cases.import_dialog import ImportDialog
from tests.unit.test_deidentify import FILES, NEEDLES, write_burned_in, write_planted_series

pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason="pydicom ships no test files here")


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    # The library cache is global: this test's imports must not leak into other tests.
    monkeypatch.setattr(cases, "_LIBRARY", None)
    monkeypatch.setattr(CaseBrowser, "AUTO_THUMBNAILS", False)
    return tmp_path / "home"


def _fill(dialog: ImportDialog, path, case_id: str, title: str = "") -> None:
    dialog.path_edit.setText(str(path))
    dialog.case_id_edit.setText(case_id)
    dialog.title_edit.setText(title)


def test_dialog_imports_and_shows_the_report(qtbot, tmp_path):
    study = tmp_path / "study"
    write_planted_series(study / "mr")
    write_burned_in(study / "burned")
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    _fill(dialog, study, "from-dialog", "Dialog case")
    with qtbot.waitSignal(dialog.imported, timeout=60000) as signal:
        dialog.start_button.click()
        assert dialog.running and not dialog.start_button.isEnabled()  # off the UI thread
    assert signal.args == ["from-dialog"]
    text = dialog.report_view.toPlainText()
    assert "3 of 6 file(s) imported" in text and "PatientName" in text and "refused" in text
    assert not [n for n in NEEDLES if n in (text + dialog.status.text()).lower()]
    assert "from-dialog" in dialog.status.text()
    assert cases.load_library().get("from-dialog").imported


def test_dialog_refuses_a_bad_id_without_starting(qtbot, tmp_path):
    write_planted_series(tmp_path / "mr", slices=1)
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    _fill(dialog, tmp_path / "mr", "Bad Id")
    dialog.start_button.click()
    assert not dialog.running
    assert "lowercase" in dialog.status.text()
    _fill(dialog, tmp_path / "nowhere", "good-id")
    dialog.start_button.click()
    assert not dialog.running and "no such file" in dialog.status.text()


def test_dialog_reports_a_failed_import(qtbot, tmp_path):
    write_burned_in(tmp_path / "burned")
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    _fill(dialog, tmp_path / "burned", "only-burned")
    dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert "no DICOM images" in dialog.status.text()
    assert dialog.start_button.isEnabled()  # the form can be corrected and tried again


def test_cases_page_lists_the_imported_case(qtbot, tmp_path):
    write_planted_series(tmp_path / "mr", slices=2)
    page = CasesPage()
    qtbot.addWidget(page)
    assert page.browser.import_button.accessibleName()
    dialog = page.browser.open_import_dialog()
    _fill(dialog, tmp_path / "mr", "page-case")
    with qtbot.waitSignal(page.browser.caseImported, timeout=60000):
        dialog.start_button.click()
    assert "page-case" in page.browser.visible_case_ids()
    assert page.library.get("page-case").imported
    page.browser.origin_filter.setCurrentIndex(page.browser.origin_filter.findData(False))
    assert page.browser.visible_case_ids() == ["page-case"]
    assert dialog.open_button.isVisibleTo(dialog)
    dialog.open_button.click()
    assert page.currentWidget() is page.case_page
    assert page.case_page.case.id == "page-case"
