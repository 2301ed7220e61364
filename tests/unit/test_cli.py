"""The command line's own rules, run in-process (no Qt needed)."""

import subprocess
import sys

import pytest

from cnoatlas import __version__, cli


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"cnoatlas {__version__}"


def test_parsing_arguments_does_not_import_qt():
    # --version and data commands must answer fast: Qt is imported only to draw.
    code = (
        "import sys; from cnoatlas import cli; cli.build_parser(); print('PySide6' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_unknown_command_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["no-such-command"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid choice" in err[0]


@pytest.mark.parametrize("size", ["1920", "10x10", "axb", "99999x2"])
def test_bad_size_is_rejected(capsys, size):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["screenshot", "--view", "home", "--out", "x.png", "--size", size])
    assert exit_info.value.code == 2
    assert "--size" in capsys.readouterr().err


@pytest.mark.parametrize("scale", ["big", "", "1,5"])
def test_bad_scale_is_rejected(capsys, scale):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["screenshot", "--view", "home", "--out", "x.png", "--scale", scale])
    assert exit_info.value.code == 2
    assert "--scale" in capsys.readouterr().err


def test_scale_auto_is_the_scale_a_screen_of_that_size_starts_with(monkeypatch, tmp_path):
    from cnoatlas.ui.shell import screens

    seen = []

    def fake_render(request, out):
        seen.append((request.name, request.argument, request.scale))

        class _Image:
            def width(self):
                return request.size[0]

            def height(self):
                return request.size[1]

        return _Image()

    monkeypatch.setattr(screens, "render_view", fake_render)
    out = str(tmp_path / "x.png")
    assert cli.main(["screenshot", "--view", "page:progress", "--out", out,
                     "--size", "2560x1440", "--scale", "auto"]) == 0  # fmt: skip
    assert cli.main(["screenshot", "--view", "home", "--out", out,
                     "--size", "1366x768", "--scale", "AUTO"]) == 0  # fmt: skip
    assert seen == [("page", "progress", 1.25), ("home", None, 1.0)]


def test_gui_without_display_explains_itself(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert cli.main([]) == 2
    assert "xvfb-run" in capsys.readouterr().err
