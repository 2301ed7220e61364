"""The Department library view: connect, filter, pull with progress, share with a confirmation."""

from __future__ import annotations

import pytest

from cnoatlas.domain.cases import case_library
from cnoatlas.ui.cases.department import DepartmentLibrary
from tests.orthanc import PASSWORD, USER


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    case_library(reload=True)
    yield
    monkeypatch.undo()  # the real user folder again before the library is read back
    case_library(reload=True)


@pytest.fixture
def panel(qtbot, home):
    widget = DepartmentLibrary(ask_password=lambda url, user: PASSWORD)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def _wait_idle(qtbot, panel):
    qtbot.waitUntil(lambda: not panel.busy(), timeout=120_000)


@pytest.mark.orthanc
def test_share_list_and_pull_a_case_through_the_view(qtbot, panel, orthanc, monkeypatch):
    panel.server.setText(orthanc.url)
    panel.user.setText(USER)
    monkeypatch.setattr(panel, "confirm_push", lambda case_id: True)
    assert "cno-medial-clavicle" in panel.shareable_cases()
    panel.push("cno-medial-clavicle")
    assert panel.busy() and panel.cancel_button.isVisibleTo(panel)
    # The push, then the listing it starts once its result has come back to the view.
    qtbot.waitUntil(
        lambda: not panel.busy() and "teaching file" in panel.status.text(), timeout=120_000
    )
    titles = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    assert case_library().get("cno-medial-clavicle").title in titles

    panel.search.setText("no such words anywhere")
    assert panel.table.rowCount() == 0
    panel.search.setText("")
    panel.diagnosis.setCurrentIndex(panel.diagnosis.findData("cno"))
    assert panel.table.rowCount() >= 1
    from cnoatlas.domain.cases import age_band

    teen = age_band(case_library().get("cno-medial-clavicle").patient.age_years)
    other = next(panel.age.itemData(i) for i in range(1, panel.age.count())
                 if panel.age.itemData(i) != teen)  # fmt: skip
    panel.age.setCurrentIndex(panel.age.findData(other))
    shown = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    assert case_library().get("cno-medial-clavicle").title not in shown
    panel.age.setCurrentIndex(panel.age.findData(teen))
    assert panel.table.rowCount() >= 1
    panel.age.setCurrentIndex(0)
    row = titles.index(case_library().get("cno-medial-clavicle").title)
    panel.diagnosis.setCurrentIndex(0)
    panel.table.selectRow(row)
    with qtbot.waitSignal(panel.caseArrived, timeout=120_000) as arrived:
        panel.pull_selected()
    assert arrived.args == ["cno-medial-clavicle-department"]  # the shipped id is taken
    assert case_library(reload=True).get("cno-medial-clavicle-department") is not None


def test_an_unreachable_server_is_one_line_and_the_view_stays_usable(qtbot, panel):
    panel.server.setText("http://127.0.0.1:9/dicom-web")
    panel.user.setText("")
    panel.refresh()
    _wait_idle(qtbot, panel)
    assert "cannot reach the server" in panel.status.text()
    assert "\n" not in panel.status.text()
    assert panel.refresh_button.isEnabled()


def test_a_missing_folder_is_said_before_anything_starts(qtbot, panel, tmp_path):
    panel.server.setText(str(tmp_path / "nowhere"))
    panel.refresh()
    assert not panel.busy()
    assert "no such folder" in panel.status.text()


def test_the_password_is_never_written_to_the_settings(qtbot, panel, orthanc, home, tmp_path):
    panel.server.setText(orthanc.url)
    panel.user.setText(USER)
    panel.refresh()
    _wait_idle(qtbot, panel)
    settings = (tmp_path / "home" / "config" / "settings.ini").read_text()
    assert orthanc.url in settings and PASSWORD not in settings


def test_the_server_set_in_settings_is_the_one_the_view_uses(qtbot, home):
    from cnoatlas.ui.common.dialogs import SettingsDialog

    dialog = SettingsDialog("dark", 1.0)
    qtbot.addWidget(dialog)
    field = dialog.library_fields["server"]
    field.setText("  https://pacs.example.org/dicom-web ")
    field.editingFinished.emit()
    dialog.library_fields["user"].setText("resident")
    dialog.library_fields["user"].editingFinished.emit()
    view = DepartmentLibrary()
    qtbot.addWidget(view)
    view.show()
    assert view.server.text() == "https://pacs.example.org/dicom-web"
    assert view.user.text() == "resident"


def test_a_shared_folder_works_as_a_library_from_the_view(qtbot, panel, tmp_path, monkeypatch):
    folder = tmp_path / "shared-drive"
    folder.mkdir()
    panel.server.setText(str(folder))
    monkeypatch.setattr(panel, "confirm_push", lambda case_id: True)
    panel.push("cno-medial-clavicle")
    _wait_idle(qtbot, panel)
    _wait_idle(qtbot, panel)
    assert panel.table.rowCount() == 1, panel.status.text()
    assert "1 teaching file" in panel.status.text()


def test_a_case_package_is_imported_from_the_cases_page(qtbot, home, tmp_path):
    from cnoatlas.library.packages import pack_case
    from cnoatlas.ui.cases.browser import CasesPage

    package = pack_case("cno-silent-vertebra", tmp_path / "from-a-colleague")
    page = CasesPage()
    qtbot.addWidget(page)
    assert page.browser.import_package(str(package)) is None  # a shipped case's id is taken
    assert "shipped case" in page.browser.problems_label.text()
    import json
    import zipfile

    renamed = tmp_path / "renamed.cnocase"
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(renamed, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json":
                doc = json.loads(data)
                doc["case_id"] = "colleague-vertebra"
                data = json.dumps(doc).encode()
            dst.writestr(name, data)
    with qtbot.waitSignal(page.browser.caseImported) as arrived:
        assert page.browser.import_package(str(renamed)) == "colleague-vertebra"
    assert arrived.args == ["colleague-vertebra"]
    assert "colleague-vertebra" in page.browser.visible_case_ids()
    asked = []
    assert page.browser.import_package(str(renamed), ask=lambda q: asked.append(q)) is None
    assert asked and "already has a case 'colleague-vertebra'" in asked[0]
    assert page.browser.import_package(str(renamed), ask=lambda q: True) == "colleague-vertebra"
