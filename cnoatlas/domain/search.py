"""One search over chapters, cases and sites: an inverted index with prefix matching.

Words are compared without case or accents ("Ostéite" finds "osteite"), and every query word
may be the start of a word ("clav" finds "clavicle"). A result must match every query word;
results whose title holds the query words come before those that only mention them in the body.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from cnoatlas.domain.cases import CaseLibrary
from cnoatlas.domain.chapters import Chapter
from cnoatlas.domain.sites import SiteModel

KINDS = ("chapter", "case", "site")  # the order results of equal rank are listed in
_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})  # "œdème" is found by "oedeme"


def normalise(text: str) -> str:
    """Lower case without accents: the form both the index and the query are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.casefold().translate(_LIGATURES)


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


@dataclass(frozen=True)
class Document:
    kind: str  # chapter, case or site
    id: str
    title: str
    body: str


@dataclass(frozen=True)
class SearchResult:
    kind: str
    id: str
    title: str
    title_words: int  # query words found in the title
    body_hits: int  # occurrences of the query words in the body

    def as_contract(self) -> dict[str, str]:
        """The shape `cnoatlas search --json` prints."""
        return {"kind": self.kind, "id": self.id, "title": self.title}


class SearchIndex:
    """Maps each word to the documents holding it, separately for titles and bodies."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.documents: list[Document] = list(documents)
        self._title: dict[str, set[int]] = {}
        self._body: dict[str, dict[int, int]] = {}
        for index, doc in enumerate(self.documents):
            for word in words(doc.title):
                self._title.setdefault(word, set()).add(index)
            for word in words(doc.body):
                counts = self._body.setdefault(word, {})
                counts[index] = counts.get(index, 0) + 1
        self._vocabulary = sorted(set(self._title) | set(self._body))

    def __len__(self) -> int:
        return len(self.documents)

    def _expand(self, prefix: str) -> list[str]:
        """Every indexed word that starts with ``prefix``."""
        start = bisect.bisect_left(self._vocabulary, prefix)
        found = []
        for word in self._vocabulary[start:]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found

    def search(self, query: str, limit: int | None = None) -> list[SearchResult]:
        terms = list(dict.fromkeys(words(query)))
        if not terms:
            return []
        in_title: dict[int, int] = {}
        exact_title: dict[int, int] = {}
        body_hits: dict[int, int] = {}
        matched: set[int] | None = None
        for term in terms:
            expanded = self._expand(term)
            title_docs = set().union(*(self._title.get(w, ()) for w in expanded))
            term_docs = set(title_docs)
            for word in expanded:
                for doc, count in self._body.get(word, {}).items():
                    term_docs.add(doc)
                    body_hits[doc] = body_hits.get(doc, 0) + count
            for doc in title_docs:
                in_title[doc] = in_title.get(doc, 0) + 1
            for doc in self._title.get(term, ()):
                exact_title[doc] = exact_title.get(doc, 0) + 1
            matched = term_docs if matched is None else matched & term_docs
            if not matched:
                return []
        assert matched is not None

        def rank(doc: int) -> tuple:
            kind = KINDS.index(self.documents[doc].kind)
            titled = in_title.get(doc, 0)
            # Title hits are grouped by kind; body-only hits are ordered by how often they match.
            return (
                -titled,
                -exact_title.get(doc, 0),
                kind if titled else 0,
                -body_hits.get(doc, 0),
                kind,
                doc,
            )

        results = [
            SearchResult(
                self.documents[doc].kind,
                self.documents[doc].id,
                self.documents[doc].title,
                in_title.get(doc, 0),
                body_hits.get(doc, 0),
            )
            for doc in sorted(matched, key=rank)
        ]
        return results[:limit] if limit is not None else results


def documents_for(
    chapters: Iterable[Chapter], library: CaseLibrary, model: SiteModel
) -> list[Document]:
    """The searchable text of every chapter, case and site."""
    docs = [Document("chapter", c.id, c.title, f"{c.summary}\n{c.body_text}") for c in chapters]
    docs += [Document("case", c.id, c.title, f"{c.id} {c.search_text()}") for c in library]
    # The groups and regions a site lies in let "thoracic spine" or "pelvis" find it too.
    regions: dict[str, list[str]] = {}
    for group in model.groups.values():
        for leaf in model.expand(group.id):
            regions.setdefault(leaf, []).append(group.name)
    for site in model.sites.values():
        parts = (site.id, site.bone, site.side, site.segment, *regions.get(site.id, ()))
        docs.append(Document("site", site.id, site.name, " ".join(filter(None, parts))))
    return docs


@cache
def search_index() -> SearchIndex:
    """The index over the shipped chapters, cases and sites, built once."""
    from cnoatlas.domain.cases import case_library
    from cnoatlas.domain.chapters import chapter_library
    from cnoatlas.domain.sites import site_model

    return SearchIndex(documents_for(chapter_library(), case_library(), site_model()))
