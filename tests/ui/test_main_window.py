"""The main window as a user drives it: navigation, menus, dialogs, settings, errors."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QTextBrowser

from cnoatlas import __version__
from cnoatlas.ui.common import errors
from cnoatlas.ui.common.dialogs import DISCLAIMER, AboutDialog, SettingsDialog, ShortcutsDialog
from cnoatlas.ui.common.settings import AppSettings
from cnoatlas.ui.shell.main_window import MainWindow
from cnoatlas.ui.shell.pages import PAGES


@pytest.fixture
def window(qtbot):
    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_clicking_each_navigation_item_shows_its_page(qtbot, window):
    nav = window.navigation
    window.show_page(PAGES[-1].key)  # start elsewhere so the first click changes the page
    for row, spec in enumerate(PAGES):
        rect = nav.visualItemRect(nav.item(row))
        with qtbot.waitSignal(window.pageChanged) as signal:
            qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert signal.args == [spec.key]
        assert window.stack.currentWidget().widget() is window.page(spec.key)
        assert window.page(spec.key).objectName() == f"page-{spec.key}"
        assert window.page(spec.key).isVisible()
        assert spec.title in window.windowTitle()


def test_page_shortcuts_switch_pages(qtbot, window):
    for spec in reversed(PAGES):
        action = next(a for a in window.actions() if a.shortcut().toString() == spec.shortcut)
        action.trigger()
        assert window.current_page() == spec.key


def test_every_interactive_widget_is_named(window):
    assert window.navigation.objectName() and window.navigation.accessibleName()
    for action in window.actions():
        assert action.objectName(), action.text()


def test_about_names_version_sources_and_disclaimer(qtbot, window):
    dialog = window.open_about()
    assert isinstance(dialog, AboutDialog)
    text = dialog.findChild(QTextBrowser, "aboutText").toPlainText()
    assert __version__ in text
    assert "Insights Imaging 2022" in text and "Andronikou" in text
    assert DISCLAIMER.split(".")[0] in text


def test_shortcuts_dialog_lists_the_window_actions(window):
    dialog = window.open_shortcuts()
    assert isinstance(dialog, ShortcutsDialog)
    table = dialog.findChild(object, "shortcutsTable")
    keys = {table.item(r, 0).text() for r in range(table.rowCount())}
    assert {"Ctrl+1", "Ctrl+5", "F1", "F11"} <= keys


def test_shortcuts_dialog_lists_the_viewer_and_map_keys_they_really_use(qtbot, window):
    from cnoatlas.ui.atlas.site_map import SiteMap
    from cnoatlas.ui.viewer.series_viewer import SeriesViewer

    table = window.open_shortcuts().findChild(object, "shortcutsTable")
    rows, section, headings = {}, "", []
    for r in range(table.rowCount()):
        if table.columnSpan(r, 0) == 2:
            section = table.item(r, 0).text()
            headings.append(section)
        else:
            rows[(section, table.item(r, 1).text())] = table.item(r, 0).text()
    viewer_heading = next(h for h in headings if h.startswith("Image viewer"))
    map_heading = next(h for h in headings if h.startswith("Skeleton map"))
    # Every key the viewer acts on, as its own actions have it.
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    assert viewer.actions()
    for action in viewer.actions():
        listed = rows[(viewer_heading, action.text())]
        listed = listed.replace("Page Down", "PgDown").replace("Page Up", "PgUp")
        assert {k.toString() for k in action.shortcuts()} == set(listed.split(", "))
    # The map's keys: the listed key for "Next site" does move to the next site.
    assert "Tab" in rows[(map_heading, "Next site")]
    assert "Esc" in rows[(map_heading, "Clear the selection")]
    site_map = window.page("atlas").findChild(SiteMap)
    window.show_page("atlas")
    site_map.setFocus()
    with qtbot.waitSignal(site_map.siteHovered):
        qtbot.keyClick(site_map, Qt.Key.Key_Down)


def test_settings_change_theme_and_scale_and_persist(qtbot, window):
    dialog = window.open_settings()
    assert isinstance(dialog, SettingsDialog)
    combo = dialog.findChild(object, "themeCombo")
    combo.setCurrentIndex(combo.findData("contrast"))
    app = QApplication.instance()
    assert app.property("cnoatlas_theme") == "contrast"
    assert app.palette().window().color().name() == "#000000"
    dialog.findChild(object, "scaleSpin").setValue(2.0)
    assert app.font().pointSizeF() == pytest.approx(20.0)
    fresh = AppSettings()
    assert (fresh.theme, fresh.scale) == ("contrast", 2.0)
    window.set_theme("dark")
    window.set_scale(1.0)


def test_window_state_is_remembered(qtbot):
    first = MainWindow(restore_state=False)
    qtbot.addWidget(first)
    first.resize(640, 480)  # the offscreen screen is 800x600
    first.show_page("quiz")
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.current_page() == "quiz"
    assert (second.width(), second.height()) == (640, 480)


def test_uncaught_exception_is_logged_and_shown(qtbot, window, monkeypatch, caplog):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    try:
        raise ValueError("broken case file")
    except ValueError as exc:
        with caplog.at_level("ERROR", logger="cnoatlas.gui"):
            errors.handle_exception(type(exc), exc, exc.__traceback__)
    assert len(shown) == 1 and "broken case file" in shown[0]
    assert "still running" in shown[0]
    assert any("Traceback" in r.getMessage() for r in caplog.records)
    assert window.isVisible()


def test_window_fits_a_small_laptop_screen(window):
    # 1366x768 is still common on lecture-hall laptops; pages scroll instead of clipping.
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768, hint


@pytest.mark.parametrize("theme_name", ["contrast", "dark", "light"])
def test_unticked_boxes_and_radio_buttons_are_outlined_in_every_theme(qtbot, theme_name):
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QCheckBox, QRadioButton, QStyle, QStyleOptionButton

    from cnoatlas.ui.common.theme import apply_theme

    app = QApplication.instance()
    t = apply_theme(app, theme_name, 1.0)
    try:
        for widget in (QCheckBox("Bookmarked"), QRadioButton("Exam")):
            qtbot.addWidget(widget)
            widget.show()
            qtbot.waitExposed(widget)
            image = widget.grab().toImage()
            option = QStyleOptionButton()
            widget.initStyleOption(option)
            element = (
                QStyle.SubElement.SE_CheckBoxIndicator
                if isinstance(widget, QCheckBox)
                else QStyle.SubElement.SE_RadioButtonIndicator
            )
            box = widget.style().subElementRect(element, option, widget)
            # The unticked indicator must stand out from the window (black on black before).
            window = QColor(t.window)
            contrast = max(
                abs(image.pixelColor(x, y).lightness() - window.lightness())
                for x in range(box.left(), box.right() + 1)
                for y in range(box.top(), box.bottom() + 1)
            )
            assert contrast > 80, (theme_name, type(widget).__name__, contrast)
    finally:
        apply_theme(app, "dark", 1.0)


def test_page_view_shows_one_page_and_refuses_an_unknown_one(qtbot):
    from cnoatlas.domain.errors import AtlasError
    from cnoatlas.ui.common.views import ViewRequest
    from cnoatlas.ui.shell.screens import build_view

    window = build_view(ViewRequest.parse("page:progress"))
    qtbot.addWidget(window)
    assert window.current_page() == "progress"
    with pytest.raises(AtlasError, match=r"unknown page 'nope' \(pages: atlas, cases"):
        build_view(ViewRequest.parse("page:nope"))


def test_settings_can_follow_the_screen_again(qtbot, window):
    dialog = window.open_settings()
    dialog.scale_spin.setValue(2.0)
    assert window.settings.scale == 2.0 and not window.settings.scale_is_auto
    dialog.auto_scale_check.setChecked(True)
    assert window.settings.scale_is_auto
    assert QApplication.instance().property("cnoatlas_scale") == window.settings.scale
    dialog.scale_spin.setValue(1.5)  # a number chosen is the user's own again
    assert not dialog.auto_scale_check.isChecked() and window.settings.scale == 1.5
    dialog.auto_scale_check.setChecked(True)  # leave the session's settings as they were
    assert window.settings.scale_is_auto and window.settings.scale == 1.0  # offscreen: 800x600


_NO_NUMPY_UNTIL_ATLAS = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from cnoatlas.ui.shell.main_window import MainWindow
win = MainWindow(restore_state=False, remember_state=False, page_after_paint=True)
before = "numpy" in sys.modules
win.page("atlas")
print(before, "numpy" in sys.modules)
"""


def test_window_and_atlas_page_are_built_without_numpy(tmp_path):
    """The window and the Atlas page paint before numpy loads (the study cache's budget, set
    in the window's constructor, must not pull in the phantom generator)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CNOATLAS_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", _NO_NUMPY_UNTIL_ATLAS], capture_output=True, text=True, env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
