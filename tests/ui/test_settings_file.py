"""Settings: garbage or wrong-type values are copied before QSettings drops them, and said."""

from __future__ import annotations

import pytest

from cnoatlas import paths
from cnoatlas.ui.common.settings import AppSettings, unreadable_lines


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))


def test_a_clean_file_is_not_copied():
    settings = AppSettings()
    settings.theme = "light"
    settings.sync()
    again = AppSettings()
    assert again.problem is None and again.theme == "light"
    assert not list(paths.user_config_dir().glob("settings.ini.*"))


def test_garbage_and_wrong_types_are_kept_as_a_copy_and_said(qtbot):
    from cnoatlas.ui.shell.main_window import MainWindow

    path = paths.user_config_dir() / "settings.ini"
    text = "[appearance]\ntheme=purple\nscale=huge\n<<< not ini >>>\n"
    path.write_text(text, encoding="utf-8")
    assert unreadable_lines(text) == 3
    settings = AppSettings()
    assert (settings.theme, settings.scale) == ("dark", 1.0)
    copies = list(path.parent.glob("settings.ini.before-repair-*"))
    assert len(copies) == 1 and copies[0].read_text(encoding="utf-8") == text
    assert settings.problem and "\n" not in settings.problem
    assert copies[0].name in settings.problem
    window = MainWindow(settings=settings, restore_state=False)
    qtbot.addWidget(window)
    assert copies[0].name in window.statusBar().currentMessage()
    settings.theme = "light"
    settings.sync()  # QSettings rewrites the file; the copy keeps what it dropped
    assert copies[0].read_text(encoding="utf-8") == text


def test_binary_garbage_is_kept_too():
    path = paths.user_config_dir() / "settings.ini"
    path.write_bytes(b"\xff\xfe\x00garbage")
    settings = AppSettings()
    assert settings.problem and "not text" in settings.problem
    assert list(path.parent.glob("settings.ini.before-repair-*"))
