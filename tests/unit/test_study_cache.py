"""The phantom cache's budget: least recently used studies go, the ones in use stay."""

import os
import time

import pytest

from cnoatlas.library import study_cache
from cnoatlas.library.thumbnails import shipped_thumbnail


def _study(root, name, megabytes, age_s):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "annotations.json").write_text("{}")
    (folder / "pixels.bin").write_bytes(b"\0" * int(megabytes * 1_000_000))
    stamp = time.time() - age_s
    os.utime(folder, (stamp, stamp))
    return folder


def test_least_recently_used_studies_go_first(tmp_path):
    old = _study(tmp_path, "old", 3, 300)
    middle = _study(tmp_path, "middle", 3, 200)
    new = _study(tmp_path, "new", 3, 100)
    removed = study_cache.evict(budget_bytes=7_000_000, root=tmp_path)
    assert removed == [old]
    assert middle.exists() and new.exists()
    assert study_cache.cache_size(tmp_path) < 7_000_000
    assert not any(p.name.startswith(".evicting-") for p in tmp_path.iterdir())


def test_a_study_in_use_is_never_removed(tmp_path):
    old = _study(tmp_path, "old", 3, 300)
    new = _study(tmp_path, "new", 3, 100)
    assert study_cache.evict(budget_bytes=1_000_000, keep=(old,), root=tmp_path) == [new]
    assert old.exists()


def test_touch_makes_a_study_the_newest(tmp_path):
    old = _study(tmp_path, "old", 1, 300)
    _study(tmp_path, "new", 1, 100)
    study_cache.touch(old)
    assert [e.path.name for e in study_cache.entries(tmp_path)] == ["new", "old"]


def test_leftovers_of_interrupted_runs_are_cleaned(tmp_path):
    stale = _study(tmp_path, ".partial-abc", 1, 7200)
    fresh = _study(tmp_path, ".partial-def", 1, 10)  # another process is writing it
    study_cache.evict(budget_bytes=10_000_000, root=tmp_path)
    assert not stale.exists() and fresh.exists()


@pytest.mark.parametrize(("asked", "kept"), [(0, 100), (500, 500), (10**9, 100_000)])
def test_budget_is_kept_in_range(asked, kept):
    assert study_cache.clamp_budget_mb(asked) == kept


def test_the_default_budget_is_the_issues_300_mb_unless_the_environment_says(monkeypatch):
    monkeypatch.delenv(study_cache.BUDGET_ENV, raising=False)
    assert study_cache.default_budget_mb() == study_cache.DEFAULT_BUDGET_MB == 300
    monkeypatch.setenv(study_cache.BUDGET_ENV, "2500")
    assert study_cache.default_budget_mb() == 2500
    monkeypatch.setenv(study_cache.BUDGET_ENV, "lots")
    assert study_cache.default_budget_mb() == 300


def test_the_test_session_has_a_budget_that_does_not_evict_its_studies():
    """tests/conftest.py: the shared cache of the whole suite is not squeezed into 300 MB."""
    assert study_cache.default_budget_mb() >= 2000


def test_settings_default_to_the_caches_default_budget(tmp_path, monkeypatch):
    from cnoatlas.ui.common.settings import AppSettings

    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path))
    monkeypatch.setenv(study_cache.BUDGET_ENV, "1234")
    assert AppSettings().cache_budget_mb == 1234
    monkeypatch.delenv(study_cache.BUDGET_ENV)
    settings = AppSettings()
    assert settings.cache_budget_mb == 300
    settings.cache_budget_mb = 800
    assert settings.cache_budget_mb == 800


def test_every_shipped_case_has_an_up_to_date_thumbnail():
    """tools/build_thumbnails.py was run after the last change of a case's description."""
    from cnoatlas.domain.cases import load_library
    from cnoatlas.paths import cases_dir

    for case in load_library(cases_dir()):
        if case.series.generator is not None:
            assert shipped_thumbnail(case).is_file(), (
                f"{case.id}: run tools/build_thumbnails.py (its description changed)"
            )


def test_the_desktop_entry_installs_and_removes(tmp_path):
    from cnoatlas import desktop

    written = desktop.install(tmp_path)
    entry = tmp_path / "applications" / "cnoatlas.desktop"
    assert entry in written
    text = entry.read_text()
    assert "Icon=cnoatlas" in text and "Exec=" in text
    assert (tmp_path / "icons/hicolor/512x512/apps/cnoatlas.png").is_file()
    assert (tmp_path / "icons/hicolor/scalable/apps/cnoatlas.svg").is_file()
    assert set(desktop.remove(tmp_path)) == set(written)
