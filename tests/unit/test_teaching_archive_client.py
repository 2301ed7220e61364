"""The department archive client: dicomweb-client plus one raw series fetch, or plain."""

from __future__ import annotations

import dicomweb_client
import pytest

from cnoatlas.library import teaching_files


@pytest.fixture
def fresh_class(monkeypatch):
    monkeypatch.setattr(teaching_files, "_ARCHIVE_CLASS", None)


def test_the_installed_dicomweb_client_gets_the_raw_series_fetch(fresh_class):
    archive = teaching_files._archive_class()
    assert issubclass(archive, dicomweb_client.DICOMwebClient)
    assert archive is not dicomweb_client.DICOMwebClient
    assert hasattr(archive, "iter_series_files")


def test_a_dicomweb_client_without_the_private_calls_falls_back_to_the_public_one(
    fresh_class, monkeypatch
):
    monkeypatch.delattr(dicomweb_client.DICOMwebClient, "_http_get")
    archive = teaching_files._archive_class()
    assert archive is dicomweb_client.DICOMwebClient
    assert not hasattr(archive, "iter_series_files")  # _fetch_series takes retrieve_series
