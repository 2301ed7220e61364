"""`cnoatlas playlist export` and `cnoatlas --present` as a lecturer scripts them."""

import json
import re
import struct

from tests.e2e.conftest import ROOT

EXAMPLE = ROOT / "assets" / "playlists" / "cno-in-20-minutes.json"


def _png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_export_writes_one_full_hd_png_per_step_and_a_handout(run_cli, tmp_path):
    out = tmp_path / "slides"
    result = run_cli("playlist", "export", str(EXAMPLE), "--out", str(out), "--pdf", timeout=900)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    pngs = sorted(out.glob("*.png"))
    # the example: 13 items; cases unrolled by part and lesion, questions into question + answer
    from cnoatlas.domain.playlist import load_playlist, steps

    expected = steps(load_playlist(EXAMPLE))
    assert len(pngs) == len(expected)
    assert pngs[0].name == "01-text.png" and pngs[1].name == "02-overlay.png"
    assert [p.name.split("-", 1)[1] for p in pngs] == [f"{s.kind}.png" for s in expected]
    assert {_png_size(p) for p in pngs} == {(1920, 1080)}
    handout = out / "handout.pdf"
    assert handout.read_bytes()[:4] == b"%PDF"
    # one page per step: each answer on the page after its question
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", handout.read_bytes())) == len(pngs)
    assert f"wrote {len(pngs)} slides" in result.stdout
    # Two handouts, each under 5 MB: the students' without the speaker notes, the presenter's
    # with every item's notes.
    presenter = out / "handout-presenter.pdf"
    for pdf in (handout, presenter):
        assert pdf.stat().st_size < 5_000_000, (pdf.name, pdf.stat().st_size)
    playlist = load_playlist(EXAMPLE)
    notes = [item.notes for item in playlist.items if item.notes]
    assert notes
    student_text, presenter_text = _pdf_text(handout), _pdf_text(presenter)
    for note in notes:
        start = " ".join(note.split()[:6])  # the first words, on one line either way
        assert start not in student_text, start
        assert start in presenter_text, start
    assert "Speaker notes" not in student_text


def _pdf_text(path) -> str:
    """The text of a PDF: by pdftotext (poppler-utils) when installed, else from the page
    streams, which the handout writes uncompressed."""
    import shutil
    import subprocess

    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        )
        return " ".join(done.stdout.split())
    found = re.findall(rb"\((.*?)(?<!\\)\) Tj", path.read_bytes())
    return " ".join(" ".join(t.decode("cp1252") for t in found).split())


def test_a_bad_playlist_is_one_line_and_exit_2(run_cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    for args in (
        ("playlist", "export", str(bad), "--out", str(tmp_path / "o")),
        ("playlist", "export", str(tmp_path / "absent.json"), "--out", str(tmp_path / "o")),
        ("--present", str(bad)),
    ):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr
        assert lines[0].startswith("cnoatlas: ") and ".json" in lines[0]
    assert not (tmp_path / "o").exists()


def test_missing_items_still_export_as_marked_slides(run_cli, tmp_path):
    playlist = tmp_path / "partly.json"
    playlist.write_text(
        json.dumps(
            {
                "title": "Partly broken",
                "items": [
                    {"kind": "text", "title": "Hello", "text": "Start."},
                    {"kind": "case", "case": "gone-case"},
                    {"kind": "question", "question": "feature:medial-clavicle"},
                ],
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_cli("playlist", "export", str(playlist), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "missing: case 'gone-case'" in result.stderr
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == ["01-text.png", "02-missing.png", "03-question.png", "04-answer.png"]
    assert not (out / "handout.pdf").exists()
