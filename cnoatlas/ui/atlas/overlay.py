"""Evidence overlays: the skeleton map coloured by how often (or how typically) each bone is involved.

OverlayView holds a list of datasets, one map (or two side by side to compare), each with a legend,
value labels large enough for a lecture hall and an always-visible source caption, and a column of
fact cards. All figures come from cnoatlas.domain.evidence; this module only draws them.
"""

from __future__ import annotations

import html
from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QCursor,
    QFont,
    QFontMetricsF,
    QLinearGradient,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.colormap import NO_DATA, LevelScale, NumericScale
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.evidence import (
    LEVELS,
    Dataset,
    FactCard,
    evidence_library,
    fact_cards,
    facts_for,
    get_dataset,
    hover_text,
    site_colours,
)
from cnoatlas.domain.sites import site_model
from cnoatlas.ui.atlas.site_map import NO_DATA_HATCH, SiteMap
from cnoatlas.ui.common.flow import ReflowBox, follow_content_width
from cnoatlas.ui.common.theme import current_theme
from cnoatlas.ui.common.typography import role_font
from cnoatlas.ui.common.views import ViewRequest, register_view

NO_COMPARISON = ""

def _qcolor(rgb: tuple[int, int, int]) -> QColor:
    return QColor(*rgb)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- legend -------------------------------------------------------------------------------
class OverlayLegend(QWidget):
    """Colour key: a viridis bar with ticks for numbers, or swatches for the three levels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overlayLegend")
        self.setAccessibleName("Colour legend")
        self.dataset: Dataset | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_dataset(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.setAccessibleDescription(self.describe())
        self.updateGeometry()
        self.update()

    def describe(self) -> str:
        if self.dataset is None:
            return ""
        if self.dataset.quantitative:
            low, high = self.dataset.scale
            return (
                f"{self.dataset.unit}: dark purple {low:g} to yellow {high:g}"
                f"{self.dataset.symbol}; hatched grey = no data"
            )
        return f"{self.dataset.unit}: {', '.join(LEVELS)}; hatched grey = no data"

    def _font(self, factor: float = 1.0, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * 1.15 * factor)
        font.setBold(bold)
        return font

    def sizeHint(self) -> QSize:
        line = QFontMetricsF(self._font()).height()
        return QSize(400, round(line * 4.4))

    def paintEvent(self, event) -> None:
        if self.dataset is None:
            return
        theme = current_theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        bold = self._font(bold=True)
        metrics = QFontMetricsF(bold)
        line = metrics.height()
        width = self.width() - 2
        painter.setFont(bold)
        painter.setPen(QColor(theme.text))
        title = _sentence(self.dataset.unit)
        painter.drawText(
            QRectF(0, 0, width, line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(title, Qt.TextElideMode.ElideRight, width),
        )
        painter.setFont(self._font())
        top, swatch = line * 1.2, line * 1.1
        no_data_w = swatch * 1.6 + QFontMetricsF(painter.font()).horizontalAdvance("No data") + 4
        if self.dataset.quantitative:
            bar_w = max(60.0, width - no_data_w - line)
            self._paint_bar(painter, QRectF(1, top, bar_w, swatch), line)
            no_data_at = QPointF(width - no_data_w, top)
        else:
            end = self._paint_levels(painter, top, swatch)
            fits = end + line + no_data_w <= width
            no_data_at = QPointF(width - no_data_w, top) if fits else QPointF(1, top + swatch * 1.4)
        self._swatch(painter, QRectF(no_data_at.x(), no_data_at.y(), swatch * 1.4, swatch), None)
        painter.setPen(QColor(theme.text))
        painter.drawText(
            QRectF(no_data_at.x() + swatch * 1.6, no_data_at.y(), no_data_w, swatch),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            "No data",
        )

    def _swatch(self, painter: QPainter, rect: QRectF, colour: QColor | None) -> None:
        painter.setPen(QPen(QColor(current_theme().text), 1.5))
        if colour is None:  # the 'no data' look of the map: grey with hatching
            painter.setBrush(_qcolor(NO_DATA))
            painter.drawRect(rect)
            painter.setBrush(QBrush(NO_DATA_HATCH, Qt.BrushStyle.BDiagPattern))
        else:
            painter.setBrush(colour)
        painter.drawRect(rect)

    def _paint_bar(self, painter: QPainter, rect: QRectF, line: float) -> None:
        low, high = self.dataset.scale
        scale = NumericScale(low, high)
        gradient = QLinearGradient(rect.topLeft(), rect.topRight())
        for position, rgb in scale.gradient(32):
            gradient.setColorAt(position, _qcolor(rgb))
        painter.setPen(QPen(QColor(current_theme().text), 1.5))
        painter.setBrush(QBrush(gradient))
        painter.drawRect(rect)
        metrics = QFontMetricsF(painter.font())
        widest = metrics.horizontalAdvance(f"{high:g} {self.dataset.symbol}")
        count = 5 if rect.width() > 5 * widest * 1.5 else 3
        for tick in scale.ticks(count):
            x = rect.left() + scale.position(tick) * rect.width()
            painter.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + line * 0.3))
            text = f"{tick:g} {self.dataset.symbol}".strip()
            w = metrics.horizontalAdvance(text)
            x_text = min(max(x - w / 2, rect.left()), rect.right() - w)
            painter.drawText(
                QRectF(x_text, rect.bottom() + line * 0.3, w + 2, line),
                Qt.AlignmentFlag.AlignLeft,
                text,
            )

    def _paint_levels(self, painter: QPainter, top: float, size: float) -> float:
        """Draw the level swatches in a row; returns where the row ends."""
        metrics = QFontMetricsF(painter.font())
        x = 1.0
        for level, rgb in LevelScale(LEVELS).entries():
            self._swatch(painter, QRectF(x, top, size * 1.4, size), _qcolor(rgb))
            painter.setPen(QColor(current_theme().text))
            label_x = x + size * 1.6
            text = level.capitalize()
            painter.drawText(
                QRectF(label_x, top, metrics.horizontalAdvance(text) + 4, size),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
            x = label_x + metrics.horizontalAdvance(text) + size
        return x


# --- value labels on the map --------------------------------------------------------------
class Callout:
    """One value label as drawn: its text lines, box and the bone point its leader line meets."""

    def __init__(self, text: str, lines: list[str], box: QRectF, anchor: QPointF, right: bool):
        self.text, self.lines, self.box, self.anchor, self.right = text, lines, box, anchor, right


class ValueLabels(QWidget):
    """Large boxed labels ("Tibia / 68 %") in the margins beside the skeleton, with leader lines
    to the bones (the map itself hatches the sites the dataset does not cover). Ignores the
    mouse."""

    def __init__(self, site_map: SiteMap) -> None:
        super().__init__(site_map)
        self.setObjectName("overlayValueLabels")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.site_map = site_map
        self.dataset: Dataset | None = None
        site_map.installEventFilter(self)
        site_map.viewChanged.connect(self.update)
        self.setGeometry(site_map.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.site_map and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.site_map.rect())
        return False

    def set_dataset(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.raise_()
        self.update()

    def texts(self) -> list[str]:
        """Every value label as one line of text ("Tibia 68 %"), in dataset order."""
        if self.dataset is None:
            return []
        return [f"{v.label} {self.dataset.display(v)}" for v in self.dataset.values]

    def font_for(self, size: float) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(12, round(size)))
        font.setBold(True)
        return font

    def callouts(self) -> list[Callout]:
        """Where each label goes: the margin column beside the skeleton on the side of its bones,
        stacked by height without overlaps, with the font as large as the margins allow."""
        if self.dataset is None:
            return []
        drawn = set(self.site_map.site_ids())
        skeleton = self.site_map.drawn_bounds()
        visible = QRectF(self.rect())
        skeleton = skeleton.intersected(visible) if not skeleton.isNull() else visible
        gap = 14.0
        columns = {
            False: skeleton.left() - gap - 4,
            True: self.width() - skeleton.right() - gap - 4,
        }
        # A lecture hall needs big type: about 1/30 of the map height, shrunk only to fit.
        size = min(self.height() / 30, 44.0)
        wanted = []
        counts = {False: 0, True: 0}
        for value, text in zip(self.dataset.values, self.texts(), strict=True):
            leaves = [s for s in site_model().expand_all(value.site_ids) if s in drawn]
            if not leaves:
                continue
            anchors = list({s: self.site_map.site_anchor(s) for s in leaves}.values())
            centre_x = skeleton.center().x()
            midline = skeleton.width() * 0.06
            sides = {a.x() > centre_x for a in anchors if abs(a.x() - centre_x) > midline}
            if len(sides) == 1:
                right = next(iter(sides))
            else:  # both sides, or the midline: the emptier column
                right = counts[True] < counts[False] or (
                    counts[True] == counts[False] and columns[True] >= columns[False]
                )
            counts[right] += 1
            # Lateral bones: the leader meets the bone on the label's side; midline: nearest.
            on_side = [a for a in anchors if (a.x() > centre_x) == right] if sides else anchors
            mid_y = sum(a.y() for a in anchors) / len(anchors)
            anchor = min(on_side or anchors, key=lambda a: abs(a.y() - mid_y))
            wanted.append((text, value, anchor, right))
        if not wanted:
            return []
        # Wrap long labels (narrow margins in a side-by-side comparison) at whichever width
        # gives the biggest type that still fits the margins and the height of the map.
        unit = QFontMetricsF(self.font_for(100))
        best_size, best_lines = 0.0, {}
        for wrap in (18, 12, 8):
            lines_of = {
                text: [*_wrap(value.label, wrap), self.dataset.display(value)]
                for text, value, _, _ in wanted
            }
            fit = size
            for right in (False, True):
                texts = [text for text, _, _, side in wanted if side == right]
                if not texts:
                    continue
                room = max(40.0, columns[right])
                for text in texts:
                    widest = max(unit.horizontalAdvance(line) for line in lines_of[text]) / 100
                    fit = min(fit, (room - 16) / max(widest, 1e-6))
                rows = sum(len(lines_of[text]) + 0.6 for text in texts)
                fit = min(fit, self.height() * 0.9 / (rows * unit.height() / 100))
            if fit > best_size * 1.05:
                best_size, best_lines = fit, lines_of
        size, lines_of = max(best_size, 12.0), best_lines
        metrics = QFontMetricsF(self.font_for(size))
        pad = metrics.height() * 0.22
        result: list[Callout] = []
        for right in (False, True):
            column = sorted((w for w in wanted if w[3] == right), key=lambda w: w[2].y())
            boxes = []
            for text, _, anchor, _ in column:
                lines = lines_of[text]
                w = max(metrics.horizontalAdvance(line) for line in lines) + 2 * pad
                h = metrics.height() * len(lines) + 2 * pad
                x = skeleton.right() + gap if right else skeleton.left() - gap - w
                x = min(max(x, 2.0), self.width() - w - 2)
                boxes.append(QRectF(x, anchor.y() - h / 2, w, h))
            _spread(boxes, 6.0, self.height())
            result += [
                Callout(text, lines_of[text], box, anchor, right)
                for (text, _, anchor, _), box in zip(column, boxes, strict=True)
            ]
        self._font_size = size
        return result

    def paintEvent(self, event) -> None:
        if self.dataset is None:
            return
        theme = current_theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        callouts = self.callouts()
        if not callouts:
            return
        font = self.font_for(self._font_size)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        halo = QColor(theme.base)
        halo.setAlpha(240)
        text_colour = QColor(theme.text)
        border = QColor(theme.text if theme.name == "contrast" else theme.muted)
        for c in callouts:
            edge = QPointF(c.box.left() if c.right else c.box.right(), c.box.center().y())
            for colour, width in ((halo, 6.0), (text_colour, 2.5)):  # a halo keeps it visible
                pen = QPen(colour, width)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                painter.drawLine(edge, c.anchor)
            painter.setPen(QPen(halo, 2))
            painter.setBrush(text_colour)
            painter.drawEllipse(c.anchor, 5.0, 5.0)
            painter.setPen(QPen(border, 2))
            painter.setBrush(halo)
            painter.drawRoundedRect(c.box, 8, 8)
            painter.setPen(text_colour)
            pad = metrics.height() * 0.22
            for i, line in enumerate(c.lines):
                row = QRectF(
                    c.box.left() + pad,
                    c.box.top() + pad + i * metrics.height(),
                    c.box.width() - 2 * pad,
                    metrics.height(),
                )
                align = Qt.AlignmentFlag.AlignLeft if c.right else Qt.AlignmentFlag.AlignRight
                painter.drawText(row, align | Qt.AlignmentFlag.AlignVCenter, line)


def _wrap(text: str, width: int) -> list[str]:
    """Split a label into lines of about ``width`` characters at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [text]


def _spread(boxes: list[QRectF], gap: float, height: float) -> None:
    """Move boxes (sorted by height) apart so none overlap, keeping them inside 0…height."""
    for previous, box in pairwise(boxes):  # downwards: push each below the one above
        box.moveTop(max(box.top(), previous.bottom() + gap))
    if boxes:
        boxes[-1].moveBottom(min(boxes[-1].bottom(), height - 2))
    for below, box in pairwise(reversed(boxes)):  # upwards: pull back inside the bottom edge
        box.moveBottom(min(box.bottom(), below.top() - gap))
    if boxes and boxes[0].top() < 2:  # too many to fit: keep the top one visible
        boxes[0].moveTop(2)
        for previous, box in pairwise(boxes):
            box.moveTop(max(box.top(), previous.bottom() + gap))


# --- one coloured map ---------------------------------------------------------------------
class OverlayMapPanel(QFrame):
    """One dataset on one skeleton: title, map with labels, legend and the source caption."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"overlayPanel-{key}")
        self.dataset: Dataset | None = None
        self.title = QLabel()
        self.title.setObjectName(f"overlayTitle-{key}")
        self.title.setWordWrap(True)
        self.title.setProperty("role", "heading")
        title_font = role_font("heading")
        # Two lines always, so that two maps side by side start at the same height.
        self.title.setMinimumHeight(round(QFontMetricsF(title_font).lineSpacing() * 2 + 2))
        self.title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary = QLabel()
        self.summary.setObjectName(f"overlaySummary-{key}")
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.site_map = SiteMap()
        self.site_map.setObjectName(f"overlayMap-{key}")
        self.site_map.setAccessibleName("Skeleton coloured by the selected evidence")
        self.labels = ValueLabels(self.site_map)
        self.legend = OverlayLegend()
        self.legend.setObjectName(f"overlayLegend-{key}")
        self.caption = QLabel()
        self.caption.setObjectName(f"overlayCaption-{key}")
        self.caption.setWordWrap(True)
        self.caption.setProperty("role", "lead")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.site_map, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.caption)
        self.site_map.siteHovered.connect(self._on_hover)
        self.site_map.siteClicked.connect(self._on_click)
        self.setAccessibleName(f"Evidence map ({key})")

    def set_dataset(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.title.setText(dataset.title)
        self.summary.setText(dataset.description)
        self.summary.ensurePolished()  # three lines always, so two maps side by side line up
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * 3 + 2)
        colours = site_colours(dataset)
        drawn = self.site_map.site_ids()
        fills = {sid: _qcolor(colours.get(sid, NO_DATA)) for sid in drawn}
        # Sites the dataset says nothing about: grey with hatching, painted by the map.
        no_data = [sid for sid in drawn if dataset.value_at(sid) is None]
        self.site_map.set_site_fills(fills, hatched=no_data, hatch=NO_DATA_HATCH)
        self.labels.set_dataset(dataset)
        self.legend.set_dataset(dataset)
        self.caption.ensurePolished()  # the style sheet's font, so that two lines are measured
        self.caption.setMinimumHeight(self.caption.fontMetrics().lineSpacing() * 2 + 4)
        self.caption.setText(f"<b>Source:</b> {html.escape(dataset.caption, quote=False)}")
        self.caption.setToolTip(
            dataset.source.citation + (f"\nVia: {dataset.via.citation}" if dataset.via else "")
        )
        # The labels are painted, so screen readers get them here.
        labels = "; ".join(self.labels.texts())
        self.setAccessibleDescription(f"{dataset.title}: {labels}. Source: {dataset.caption}")

    def tooltip_for(self, site_id: str) -> str:
        if self.dataset is None or not site_id:
            return ""
        return hover_text(self.dataset, site_id, site_model().name(site_id))

    def _on_hover(self, site_id: str) -> None:
        text = self.tooltip_for(site_id)
        self.site_map.setToolTip(text)
        if text:
            QToolTip.showText(QCursor.pos(), text, self.site_map)

    def _on_click(self, site_id: str) -> None:
        # A selected bone would be painted in the accent colour and read as a value: keep the
        # evidence colours and answer the click with the site's figure instead.
        self.site_map.clear_selection()
        self._on_hover(site_id)


# --- fact cards ---------------------------------------------------------------------------
class FactCardView(QFrame):
    def __init__(self, card: FactCard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        self.setObjectName(f"factCard-{card.id}")
        self.setProperty("role", "card")
        self.setAccessibleName(f"{card.title}: {card.value}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        value = QLabel(card.value)
        value.setObjectName("factValue")
        value.setProperty("role", "heading")
        value.setWordWrap(True)
        title = QLabel(card.title)
        title.setObjectName("factTitle")
        title.setWordWrap(True)
        bold = QFont(title.font())
        bold.setBold(True)
        title.setFont(bold)
        text = QLabel(card.text)
        text.setObjectName("factText")
        text.setWordWrap(True)
        source = QLabel(card.source_line + ("" if card.verified else "  ·  figure to check"))
        source.setObjectName("factSource")
        source.setProperty("role", "muted" if card.verified else "disclaimer")
        source.setWordWrap(True)
        source.setToolTip("\n".join([*(s.citation for s in card.sources), card.check]).strip())
        for label in (value, title, text, source):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)


class FactCardColumn(QScrollArea):
    """A scrollable column of fact cards, each with its citation."""

    def __init__(self, cards: tuple[FactCard, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("factCards")
        self.setAccessibleName("Key figures from the literature")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("factCardsBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 12, 4)
        layout.setSpacing(10)
        heading = QLabel("Key figures")
        heading.setObjectName("factCardsHeading")
        heading.setProperty("role", "heading")
        layout.addWidget(heading)
        self.cards = [FactCardView(card) for card in cards]
        # Shown when the map is of a disease the atlas has no key figures for.
        self.none_label = QLabel()
        self.none_label.setObjectName("factCardsNone")
        self.none_label.setProperty("role", "muted")
        self.none_label.setWordWrap(True)
        self.none_label.hide()
        layout.addWidget(self.none_label)
        for view in self.cards:
            layout.addWidget(view)
        layout.addStretch(1)
        self.setWidget(body)
        follow_content_width(self)

    def show_for(self, dataset: Dataset) -> None:
        """Only the key figures about the disease the map shows (CNO figures beside an LCH map
        would read as LCH figures)."""
        wanted = {c.id for c in facts_for(dataset, [v.card for v in self.cards])}
        for view in self.cards:
            if view.isHidden() == (view.card.id in wanted):  # only the cards that change
                view.setVisible(view.card.id in wanted)
        self.none_label.setText(
            "" if wanted else f"No key figures in the atlas yet for this map ({dataset.title})."
        )
        self.none_label.setVisible(not wanted)
        self.verticalScrollBar().setValue(0)

    def shown_cards(self) -> list[str]:
        return [v.card.id for v in self.cards if not v.isHidden()]


# --- the whole overlay --------------------------------------------------------------------
class OverlayView(QWidget):
    """Dataset list and compare selector, one or two coloured maps, and the fact cards."""

    datasetChanged = Signal(str)
    comparisonChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overlayView")
        self.datasets = evidence_library()

        self.dataset_list = QListWidget()
        self.dataset_list.setObjectName("overlayDatasets")
        self.dataset_list.setAccessibleName("Evidence datasets")
        for dataset in self.datasets.values():
            item = QListWidgetItem(dataset.title)
            item.setData(Qt.ItemDataRole.UserRole, dataset.id)
            item.setToolTip(f"{dataset.description}\n\nSource: {dataset.caption}".strip())
            self.dataset_list.addItem(item)
        self.dataset_list.setWordWrap(True)
        self.dataset_list.setSpacing(3)
        self.compare_box = QComboBox()
        self.compare_box.setObjectName("overlayCompare")
        self.compare_box.setAccessibleName("Compare with")
        self.compare_box.addItem("Nothing (one map)", NO_COMPARISON)
        for dataset in self.datasets.values():
            self.compare_box.addItem(dataset.title, dataset.id)
        self.compare_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.compare_box.setMinimumContentsLength(12)

        side = QWidget()
        side.setObjectName("overlaySidebar")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        show_label = QLabel("Colour the skeleton by")
        show_label.setProperty("role", "muted")
        compare_label = QLabel("Compare with")
        compare_label.setProperty("role", "muted")
        side_layout.addWidget(show_label)
        side_layout.addWidget(self.dataset_list, 1)
        side_layout.addWidget(compare_label)
        side_layout.addWidget(self.compare_box)

        self.primary = OverlayMapPanel("primary")
        self.secondary = OverlayMapPanel("secondary")
        self.secondary.hide()
        maps_widget = QWidget()
        maps_widget.setObjectName("overlayMaps")
        maps = QHBoxLayout(maps_widget)
        maps.setContentsMargins(0, 0, 0, 0)
        maps.setSpacing(8)
        maps.addWidget(self.primary, 1)
        maps.addWidget(self.secondary, 1)

        self.facts = FactCardColumn(fact_cards())

        # List, maps and key figures side by side; one above the other when the page is too
        # narrow for the three at this scale (a laptop at 3.0).
        row = ReflowBox(200, spacing=12)
        row.setObjectName("overlayRow")
        row.addWidget(side, 2)
        row.addWidget(maps_widget, 9)
        row.addWidget(self.facts, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(row)

        self.dataset_list.currentRowChanged.connect(self._on_row)
        self.compare_box.currentIndexChanged.connect(self._on_compare)
        self.dataset_list.setCurrentRow(0)

    # --- state -----------------------------------------------------------------------
    def current_dataset(self) -> str:
        return self.primary.dataset.id if self.primary.dataset else ""

    def comparison(self) -> str:
        return self.compare_box.currentData() or NO_COMPARISON

    def show_dataset(self, dataset_id: str) -> None:
        get_dataset(dataset_id, self.datasets)  # AtlasError naming the known ids
        self.dataset_list.setCurrentRow(list(self.datasets).index(dataset_id))

    def compare_with(self, dataset_id: str) -> None:
        if dataset_id != NO_COMPARISON:
            get_dataset(dataset_id, self.datasets)
        self.compare_box.setCurrentIndex(self.compare_box.findData(dataset_id))

    def _on_row(self, row: int) -> None:
        if row < 0:
            return
        dataset_id = self.dataset_list.item(row).data(Qt.ItemDataRole.UserRole)
        self.primary.set_dataset(self.datasets[dataset_id])
        self.facts.show_for(self.datasets[dataset_id])
        self.datasetChanged.emit(dataset_id)

    def _on_compare(self, index: int) -> None:
        dataset_id = self.compare_box.itemData(index) or NO_COMPARISON
        if dataset_id:
            self.secondary.set_dataset(self.datasets[dataset_id])
        self.secondary.setVisible(bool(dataset_id))
        self.comparisonChanged.emit(dataset_id)


@register_view("overlay", "the map coloured by an evidence dataset", argument="a dataset id")
def _overlay_view(request: ViewRequest) -> QWidget:
    library = evidence_library()
    if request.argument not in library:
        raise AtlasError(
            f"unknown evidence dataset '{request.argument}' (known: {', '.join(library)})"
        )
    view = OverlayView()
    view.show_dataset(request.argument)
    return view
