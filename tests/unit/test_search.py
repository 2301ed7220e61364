"""Global search: matching rules, ranking, and the shipped index across chapters, cases and sites."""

from cnoatlas.domain.cases import CaseLibrary
from cnoatlas.domain.chapters import load_chapters
from cnoatlas.domain.search import Document, SearchIndex, documents_for, normalise, search_index
from cnoatlas.domain.sites import site_model


def _index() -> SearchIndex:
    return SearchIndex(
        [
            Document("chapter", "mimics", "The mimics", "Ewing sarcoma and the clavicle."),
            Document("case", "clavicle-case", "CNO of the clavicle", "A boy with a swollen bone."),
            Document("site", "clavicle.right.medial-third", "Right clavicle, medial third", ""),
            Document("chapter", "spine", "The spine", "Clavicle, clavicle, clavicle."),
            Document("case", "osteite", "Ostéite chronique", "Cas français, Œdème médullaire."),
        ]
    )


def _ids(results) -> list[str]:
    return [r.id for r in results]


def test_title_matches_come_before_body_matches():
    ids = _ids(_index().search("clavicle"))
    assert set(ids) == {"clavicle-case", "clavicle.right.medial-third", "mimics", "spine"}
    assert set(ids[:2]) == {"clavicle-case", "clavicle.right.medial-third"}
    # among body-only matches, the one that mentions the word more often comes first
    assert ids[2:] == ["spine", "mimics"]


def test_title_matches_are_grouped_chapter_case_site():
    results = _index().search("clavicle")
    assert [r.kind for r in results[:2]] == ["case", "site"]


def test_prefix_matching_finds_whole_words():
    assert "clavicle.right.medial-third" in _ids(_index().search("clav"))
    assert _ids(_index().search("med third")) == ["clavicle.right.medial-third"]
    assert _index().search("lavicle") == []  # a prefix, not any substring


def test_case_and_accents_are_ignored_both_ways():
    assert _ids(_index().search("OSTEITE")) == ["osteite"]
    assert _ids(_index().search("oedeme")) == ["osteite"]
    assert _ids(_index().search("médial")) == ["clavicle.right.medial-third"]
    assert normalise("Œdème Médullaire") == "oedeme medullaire"


def test_every_query_word_must_match():
    assert _ids(_index().search("clavicle ewing")) == ["mimics"]
    assert _index().search("clavicle nothing-like-this") == []
    assert _index().search("   ") == []
    assert len(_index().search("clavicle", limit=2)) == 2


def test_contract_shape_of_a_result():
    result = _index().search("spine")[0]
    assert result.as_contract() == {"kind": "chapter", "id": "spine", "title": "The spine"}


def test_documents_cover_chapters_cases_and_sites(tmp_path):
    (tmp_path / "one.md").write_text(
        "---\nid: one\ntitle: Growth plates\norder: 1\nsummary: About physes.\n---\n"
        "Physeal bars can follow [@nico2022].\n",
        encoding="utf-8",
    )
    docs = documents_for(load_chapters(tmp_path), CaseLibrary(), site_model())
    kinds = {d.kind for d in docs}
    assert kinds == {"chapter", "site"}
    index = SearchIndex(docs)
    assert _ids(index.search("physeal")) == ["one"]
    assert _ids(index.search("t7 body")) == ["vertebra.t7.body"]
    # a site is found by the regions it lies in, not only by its own name
    thoracic = [r.id for r in index.search("thoracic spine") if r.kind == "site"]
    assert "vertebra.t7.body" in thoracic and "vertebra.l1.body" not in thoracic


def test_the_shipped_index_finds_every_kind():
    index = search_index()
    kinds = {r.kind for r in index.search("clavicle")}
    assert kinds == {"chapter", "case", "site"}
    first = index.search("clavicle")[0]
    assert "clavicle" in first.title.lower()
    assert _ids(index.search("spondylodiscitis"))[0] == "spondylodiscitis-lumbar"
    assert "follow-up" in _ids(index.search("PedCNO"))
    assert _ids(index.search("whole body mri"))[0] == "wb-mri"
