"""The layout audit: every page and dialog, at laptop to 4K sizes, every scale, every theme.

At each combination no widget's text may be cut (labels, buttons, tabs, table headers; word
wrap honoured, elision allowed only with a tooltip naming the whole text), no visible child may
sit outside its parent, and no main page may need a horizontal scroll bar.

The whole matrix (3 sizes x 4 scales x 3 themes) runs with CNOATLAS_FULL_AUDIT=1. By default a
fixed subset runs that still covers every page, every size, every scale and every theme: for
each scale one theme in turn, at all three sizes (12 combinations, each with every page).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QHeaderView,
    QLabel,
    QRadioButton,
    QScrollArea,
    QTabBar,
    QWidget,
)

from cnoatlas.ui.common.theme import THEME_NAMES, apply_theme
from cnoatlas.ui.common.views import settle

SIZES = ((1366, 768), (1920, 1080), (2560, 1440))
SCALES = (1.0, 1.5, 2.0, 3.0)
FULL = os.environ.get("CNOATLAS_FULL_AUDIT") == "1"

if FULL:
    LOOKS = list(itertools.product(SCALES, THEME_NAMES))
else:  # each scale once, the themes in turn: every scale and every theme covered
    LOOKS = [(s, THEME_NAMES[i % len(THEME_NAMES)]) for i, s in enumerate(SCALES)]

SLACK = 2  # pixels of rounding a measure may be off by


@dataclass(frozen=True)
class Where:
    page: str
    size: tuple[int, int]
    scale: float
    theme: str

    def __str__(self) -> str:
        w, h = self.size
        return f"{self.page} at {w}x{h}, scale {self.scale:g}, theme {self.theme}"


def name_of(widget: QWidget) -> str:
    """The widget's objectName, or its nearest named ancestor's with the class path below it."""
    parts = []
    w = widget
    while w is not None:
        if w.objectName() and not w.objectName().startswith("qt_"):
            parts.append(w.objectName())
            break
        parts.append(type(w).__name__)
        w = w.parentWidget()
    return "/".join(reversed(parts))


def _shown(widget: QWidget, top: QWidget) -> bool:
    return widget.isVisibleTo(top) and widget.width() > 0 and widget.height() > 0


def _might_be_rich(text: str) -> bool:
    from PySide6 import QtGui

    return bool(QtGui.Qt.mightBeRichText(text))


def _elided_with_tooltip(text: str, widget: QWidget) -> bool:
    return "…" in text and bool(widget.toolTip().strip())


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text.strip() or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    if _elided_with_tooltip(text, label):
        return None
    rect = label.contentsRect()
    margin = label.margin()
    indent = max(label.indent(), 0)
    width = rect.width() - 2 * margin - indent
    height = rect.height() - 2 * margin
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and _might_be_rich(text)
    )
    if rich:
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(text)
        if label.wordWrap():
            doc.setTextWidth(max(1, width))
            need_w, need_h = min(doc.idealWidth(), width), doc.size().height()
        else:
            need_w, need_h = doc.idealWidth(), doc.size().height()
    else:
        fm = QFontMetrics(label.font())
        if label.wordWrap():
            box = fm.boundingRect(
                QRect(0, 0, max(1, width), 100000),
                int(Qt.TextFlag.TextWordWrap | label.alignment()),
                text,
            )
        else:
            box = fm.boundingRect(QRect(0, 0, 100000, 100000), int(label.alignment()), text)
        need_w, need_h = box.width(), box.height()
    if need_w > width + SLACK or need_h > height + SLACK:
        return f"text needs {need_w:.0f}x{need_h:.0f} px, has {width}x{height}: {text[:50]!r}"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text.strip() or _elided_with_tooltip(text, button):
        return None
    if button.hasHeightForWidth():  # its text wraps: it needs height, not width
        need_h = button.heightForWidth(button.width())
        if need_h > button.height() + SLACK:
            return f"wrapped text needs {need_h} px high, has {button.height()}: {text[:50]!r}"
        return None
    if isinstance(button, (QCheckBox, QRadioButton)):
        need = button.sizeHint().width()
        if button.width() + SLACK < need:
            return f"needs {need} px wide, has {button.width()}: {text[:50]!r}"
        return None
    fm = QFontMetrics(button.font())
    icon = button.iconSize().width() + 4 if not button.icon().isNull() else 0
    need_w = fm.horizontalAdvance(text) + icon + 4
    if need_w > button.width() + SLACK or fm.height() > button.height() + SLACK:
        return (
            f"text needs {need_w}x{fm.height()} px, has {button.width()}x{button.height()}: "
            f"{text[:50]!r}"
        )
    return None


def _tab_problems(bar: QTabBar) -> list[str]:
    problems = []
    fm = QFontMetrics(bar.font())
    for i in range(bar.count()):
        if not bar.isTabVisible(i):
            continue
        rect, text = bar.tabRect(i), bar.tabText(i).replace("&", "")
        if not bar.rect().contains(rect.adjusted(SLACK, SLACK, -SLACK, -SLACK)):
            problems.append(f"tab {text!r} lies outside its bar (scrolled off)")
        elif fm.horizontalAdvance(text) > rect.width() + SLACK:
            problems.append(f"tab {text!r} cut: needs {fm.horizontalAdvance(text)} px")
    return problems


def _header_problems(header: QHeaderView) -> list[str]:
    if header.orientation() != Qt.Orientation.Horizontal:
        return []
    model = header.model()
    if model is None:
        return []
    fm = QFontMetrics(header.font())
    problems = []
    for i in range(header.count()):
        if header.isSectionHidden(i):
            continue
        text = str(model.headerData(i, Qt.Orientation.Horizontal) or "")
        if not text:
            continue
        need = max(fm.horizontalAdvance(line) for line in text.split("\n")) + 8
        tip = model.headerData(i, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        if header.sectionSize(i) + SLACK < need and not tip:  # elided with a tooltip is fine
            problems.append(f"header {text!r} cut: needs {need} px, has {header.sectionSize(i)}")
    return problems


def _is_scroll_content(widget: QWidget) -> bool:
    """A scroll area's content (or its viewport) may be larger than what holds it."""
    parent = widget.parentWidget()
    if parent is None:
        return True
    grand = parent.parentWidget()
    return isinstance(grand, QAbstractScrollArea) and parent is grand.viewport()


def _inside_problem(widget: QWidget) -> str | None:
    parent = widget.parentWidget()
    if parent is None or widget.isWindow() or _is_scroll_content(widget):
        return None
    outer = parent.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK)
    if not outer.contains(widget.geometry()):
        g = widget.geometry()
        return (
            f"lies outside its parent {name_of(parent)} ({g.x()},{g.y()} {g.width()}x{g.height()}"
            f" in {parent.width()}x{parent.height()})"
        )
    return None


# Widgets drawn by libraries whose insides are not ours to lay out.
_FOREIGN = ("pyqtgraph",)


def _ours(widget: QWidget) -> bool:
    w = widget
    while w is not None:
        if type(w).__module__.startswith(_FOREIGN):
            return False
        w = w.parentWidget()
    return True


def audit(top: QWidget, where: Where, scroll: QScrollArea | None = None) -> list[str]:
    """Every problem found in what ``top`` shows, each naming the widget and ``where``."""
    problems: list[str] = []

    def say(widget: QWidget, what: str) -> None:
        problems.append(f"{name_of(widget)} ({where}): {what}")

    if scroll is not None:
        content = scroll.widget()
        if scroll.horizontalScrollBar().isVisible():
            say(scroll, "the page needs a horizontal scroll bar")
        elif content is not None and content.width() > scroll.viewport().width() + SLACK:
            say(scroll, f"the page is {content.width()} px wide in {scroll.viewport().width()}")
    for widget in top.findChildren(QWidget):
        if not _shown(widget, top) or not _ours(widget):
            continue
        problem = _inside_problem(widget)
        if problem:
            say(widget, problem)
        if isinstance(widget, QLabel):
            problem = _label_problem(widget)
        elif isinstance(widget, QAbstractButton) and not isinstance(widget.parent(), QTabBar):
            problem = _button_problem(widget)
        else:
            problem = None
        if problem:
            say(widget, problem)
        if isinstance(widget, QTabBar):
            for p in _tab_problems(widget):
                say(widget, p)
        if isinstance(widget, QHeaderView):
            for p in _header_problems(widget):
                say(widget, p)
        if (
            isinstance(widget, QScrollArea)
            and widget is not scroll
            and widget.widget() is not None
            and widget.widget().width() > widget.viewport().width() + SLACK
            and not widget.horizontalScrollBar().isVisible()
        ):
            say(
                widget,
                f"its content is cut at the right ({widget.widget().width()} px wide in "
                f"{widget.viewport().width()})",
            )
        if (
            isinstance(widget, QAbstractScrollArea)
            and widget is not scroll
            and widget.property("audit_horizontal_ok") is not True
            and widget.horizontalScrollBar().isVisible()
        ):
            say(widget, "shows a horizontal scroll bar")
    return problems


def _report(problems: list[str]) -> str:
    shown = problems[: int(os.environ.get("CNOATLAS_AUDIT_SHOW", "40"))]
    more = f"\n… and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return "layout problems:\n" + "\n".join(shown) + more


# --- the pages -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def main_window():
    from cnoatlas.ui.cases import page as case_page
    from cnoatlas.ui.shell.main_window import MainWindow
    from cnoatlas.ui.shell.screens import available_views  # noqa: F401 (registers the views)

    app = QApplication.instance() or QApplication([])
    apply_theme(app, "dark", 1.0)
    patch = pytest.MonkeyPatch()
    # The case's images are not made (minutes of CPU): the audit looks at text and layout.
    patch.setattr(case_page.QThreadPool, "globalInstance", lambda: _NoPool())
    window = MainWindow(restore_state=False, remember_state=False)
    window.show()
    for key in window.page_keys:
        window.page(key)
    settle()
    yield window
    window.close()
    patch.undo()
    apply_theme(app, "dark", 1.0)


class _NoPool:
    def start(self, task) -> None:  # the task is dropped: no images for the audited case
        pass


AUDIT_CASE = "cno-medial-clavicle"


def _views(window):
    """(name, page key, what to do to show it) for every page, every tab of a page with tabs,
    an open case, and each state of the quiz (start, question, exam report, session summary)."""
    views = []
    for key in window.page_keys:
        page = window.page(key)
        modes = getattr(page, "modes", None)
        if modes is not None and hasattr(modes, "count"):
            for i in range(modes.count()):
                views.append(
                    (f"{key}/{modes.tabText(i)}", key, lambda m=modes, i=i: m.setCurrentIndex(i))
                )
        elif key == "cases":
            views.append(("cases/library", key, page.show_browser))
            views.append(("cases/case", key, lambda p=page: _open_case(p)))
            views.append(
                ("cases/department library", key, lambda p=page: p.setCurrentWidget(p.department))
            )
        elif key == "quiz":
            views += [
                ("quiz/start", key, page.show_start),
                ("quiz/question", key, lambda p=page: _quiz_state(p, "question")),
                ("quiz/exam report", key, lambda p=page: _quiz_state(p, "report")),
                ("quiz/practice summary", key, lambda p=page: _quiz_state(p, "summary")),
            ]
        else:
            views.append((key, key, lambda: None))
    return views  # fmt: skip


def _open_case(cases_page) -> None:
    reader = cases_page._case_page
    if reader is None or reader.case is None or reader.case.id != AUDIT_CASE:
        cases_page.open_case(AUDIT_CASE)
    else:
        cases_page.setCurrentWidget(reader)


def _quiz_state(page, state: str) -> None:
    from cnoatlas.domain.quiz import TOPICS

    page.prepare_images = False
    page.start("practice" if state == "summary" else "exam", 3, [t for t in TOPICS if t != "cases"])
    if state == "question":
        return
    session = page.session
    if state == "summary":  # one answer given, then the session ends
        page.question_panel.option_buttons[
            0
        ].click() if page.question_panel.option_buttons else None
        session.finish()
        page._finish()
    else:
        page.finish_exam()


@pytest.mark.parametrize(("scale", "theme"), LOOKS, ids=[f"{s:g}-{t}" for s, t in LOOKS])
def test_every_page_fits_every_screen(main_window, scale, theme):
    app = QApplication.instance()
    apply_theme(app, theme, scale)
    settle()
    problems: list[str] = []
    for size in SIZES:
        main_window.resize(*size)
        settle(2)
        for name, key, show in _views(main_window):
            main_window.show_page(key)
            show()
            settle(2)
            page_area = main_window._areas[key]
            where = Where(name, size, scale, theme)
            problems += audit(page_area, where, page_area)
        # The window's own frame: navigation sidebar and status bar.
        frame = Where("window frame", size, scale, theme)
        problems += _navigation_problems(main_window, frame)
        problems += audit(main_window.statusBar(), frame)
    assert not problems, _report(problems)


def _navigation_problems(window, where: Where) -> list[str]:
    nav = window.navigation
    problems = []
    if nav.horizontalScrollBar().isVisible():
        problems.append(f"navigation ({where}): the sidebar shows a horizontal scroll bar")
    fm = QFontMetrics(nav.font())
    for row in range(nav.count()):
        item = nav.item(row)
        rect = nav.visualItemRect(item)
        if fm.horizontalAdvance(item.text()) > nav.viewport().width():
            problems.append(f"navigation ({where}): {item.text()!r} is cut ({rect.width()} px)")
    return problems


# --- the dialogs -----------------------------------------------------------------------------
def _dialogs(window):
    return {
        "settings": window.open_settings,
        "about": window.open_about,
        "shortcuts": window.open_shortcuts,
        "playlists": window.open_playlists,
        "import": lambda: _import_dialog(window),
    }


def _import_dialog(window):
    """A new import dialog, as the Cases page opens one each time (at the scale in use)."""
    from cnoatlas.ui.cases.import_dialog import ImportDialog

    old = getattr(window, "_audit_import", None)
    if old is not None:
        old.deleteLater()
    dialog = window._audit_import = ImportDialog(window)
    dialog.show()
    return dialog


@pytest.mark.parametrize(("scale", "theme"), LOOKS, ids=[f"{s:g}-{t}" for s, t in LOOKS])
def test_every_dialog_fits_every_screen(main_window, scale, theme):
    app = QApplication.instance()
    apply_theme(app, theme, scale)
    settle()
    problems: list[str] = []
    for name, opener in _dialogs(main_window).items():
        dialog = opener()
        settle(3)
        for size in SIZES:
            # A dialog opens at its own size, never larger than the screen it is on.
            opened = dialog.size()
            dialog.resize(min(opened.width(), size[0]), min(opened.height(), size[1]))
            settle(1)
            problems += audit(dialog, Where(f"dialog {name}", size, scale, theme))
            dialog.resize(opened)
        dialog.close()
    assert not problems, _report(problems)


def test_the_audit_catches_a_cut_label_and_a_stray_child(qtbot):
    """The audit itself can fail: a label too narrow for its text, a child beyond its parent."""
    holder = QWidget()
    holder.setObjectName("holder")
    holder.resize(200, 100)
    label = QLabel("Radiological view", holder)
    label.setObjectName("narrowLabel")
    label.setGeometry(0, 0, 30, 20)
    stray = QLabel("x", holder)
    stray.setObjectName("strayLabel")
    stray.setGeometry(180, 80, 60, 40)
    elided = QLabel("Radiolo…", holder)
    elided.setObjectName("elidedLabel")
    elided.setGeometry(0, 40, 30, 20)
    qtbot.addWidget(holder)
    holder.show()
    problems = audit(holder, Where("test", (200, 100), 1.0, "dark"))
    text = "\n".join(problems)
    assert "narrowLabel" in text and "strayLabel" in text and "test at 200x100" in text
    assert "elidedLabel" in text  # elided without a tooltip is a cut too
    elided.setToolTip("Radiological view")
    assert "elidedLabel" not in "\n".join(audit(holder, Where("test", (200, 100), 1.0, "dark")))
