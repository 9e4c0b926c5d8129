"""Form building blocks: error labels under fields, a banner, a date field, a dialog with submit.

The services say which field is wrong (ValidationError.field); FieldErrors puts the reason in
red right under that field, so the secretary sees at once what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.dates import parse_date_cell
from desktop.domain.errors import SchoolOfficeError, ValidationError, ValidationErrors
from desktop.ui.messages import describe, validation_lines
from desktop.ui.text import N_, _, date_placeholder, field_label, format_date

ERROR_COLOUR = "#b3261e"
_LABEL_FIRST = ("is ", "are ", "does ", "already ", "has ", "cannot ")


def reason_sentence(field: str, reason: str, country: str) -> str:
    """'is required' → 'First name is required'; other reasons just get a capital letter.

    The English reason decides the shape; the words shown are the translated ones.
    """
    text = _(reason)
    if reason.startswith(_LABEL_FIRST):
        return _("{field} {reason}").format(field=field_label(field, country), reason=text)
    return text[:1].upper() + text[1:]


def errors_of(exc: ValidationError | ValidationErrors) -> list[ValidationError]:
    return list(exc.errors) if isinstance(exc, ValidationErrors) else [exc]


class FieldErrors:
    """One hidden red label under each field; `show` fills the ones the error names."""

    def __init__(self, country: str):
        self.country = country
        self._labels: dict[str, QLabel] = {}

    def wrap(self, field: str, content: QWidget | QLayout, *also: str) -> QWidget:
        """The field with its error label below; `also` names other fields shown there."""
        box = QWidget()
        # The row's whole width, so a long reason wraps there instead of being cut off under a
        # narrow field (a class box, a date); the field itself keeps its own width.
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if isinstance(content, QLayout):
            layout.addLayout(content)
        elif content.sizePolicy().expandingDirections() & Qt.Orientation.Horizontal:
            layout.addWidget(content)
        else:
            layout.addWidget(content, 0, Qt.AlignmentFlag.AlignLeft)
        label = QLabel()
        label.setObjectName(f"error_{field}")
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {ERROR_COLOUR};")
        label.hide()
        layout.addWidget(label)
        for name in (field, *also):
            self._labels[name] = label
        return box

    def show(self, exc: ValidationError | ValidationErrors) -> list[ValidationError]:
        """Mark every field named; returns the errors no field of this form shows."""
        self.clear()
        unplaced = []
        for error in errors_of(exc):
            label = self._labels.get(error.field)
            if label is None:
                unplaced.append(error)
                continue
            text = reason_sentence(error.field, error.reason, self.country)
            label.setText(f"{label.text()}\n{text}" if label.text() else text)
            label.show()
        return unplaced

    def clear(self) -> None:
        for label in self._labels.values():
            label.clear()
            label.hide()

    def message(self, field: str) -> str:
        label = self._labels.get(field)
        return label.text() if label is not None and not label.isHidden() else ""


_BANNER_STYLES = {
    "error": "background: #fdecea; border: 1px solid #f5c2bd; color: #5f1a14;",
    "warning": "background: #fff4e0; border: 1px solid #f2d29b; color: #5a3d00;",
    "info": "background: #e8f1fb; border: 1px solid #b9d3f0; color: #0d3a66;",
}


class Banner(QFrame):
    """A coloured strip at the top of a form: conflicts, permission problems, hints."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._buttons = QHBoxLayout()
        self._buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self._text)
        layout.addLayout(self._buttons)
        self.hide()

    def show_message(
        self, text: str, kind: str = "error", actions: list[tuple[str, Callable[[], None]]] = ()
    ) -> None:
        self.setStyleSheet(f"QFrame#banner {{ {_BANNER_STYLES[kind]} border-radius: 4px; }}")
        self._text.setText(text)
        while self._buttons.count() > 1:
            item = self._buttons.takeAt(1)
            item.widget().deleteLater()
        for label, callback in actions:
            button = QPushButton(label)
            button.clicked.connect(callback)
            self._buttons.addWidget(button)
        self.show()

    def text(self) -> str:
        return self._text.text() if not self.isHidden() else ""

    def button(self, label: str) -> QPushButton | None:
        for i in range(1, self._buttons.count()):
            widget = self._buttons.itemAt(i).widget()
            if isinstance(widget, QPushButton) and widget.text() == label:
                return widget
        return None


def show_validation(
    errors: FieldErrors, banner: Banner, exc: ValidationError | ValidationErrors
) -> None:
    """Each reason under its field; the ones no field of the form shows go in the banner."""
    unplaced = errors.show(exc)
    if unplaced:
        lines = validation_lines(ValidationErrors(unplaced), errors.country)
        banner.show_message("\n".join(lines))
    else:
        banner.hide()


class DateField(QLineEdit):
    """A date typed the way the country writes it (or ISO); empty means no date."""

    def __init__(self, country: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._country = country
        self.setPlaceholderText(date_placeholder(country))
        self.setMaximumWidth(160)

    def set_date(self, value: date | None) -> None:
        self.setText(format_date(value, self._country))

    def date_value(self, field: str, *, required: bool = False) -> date | None:
        """The date typed; ValidationError naming `field` when it is not a date (or missing)."""
        value = parse_date_cell(self.text(), field)
        if value is None and required:
            raise ValidationError(field, "", N_("a date is needed here"))
        return value


def read_fields(readers: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Read every field, collecting all the conversion errors (dates) into one ValidationErrors."""
    values, errors = {}, []
    for name, read in readers.items():
        try:
            values[name] = read()
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    return values


class FormDialog(QDialog):
    """A small dialog whose OK hands the values to `submit`; a refusal is shown in the dialog.

    Subclasses build the form in `self.form` (wrapping fields with `self.errors.wrap`) and
    implement `values()`. The dialog closes only when `submit` returns without an error.
    """

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        country: str,
        submit: Callable[[Any], object],
        ok_text: str = "",
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.country = country
        self._submit = submit
        self.result_value: object = None
        self.errors = FieldErrors(country)
        self.banner = Banner()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        if ok_text:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._note = QLabel()
        self._note.setWordWrap(True)
        self._note.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self._note)
        layout.addWidget(self.banner)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def set_note(self, text: str) -> None:
        """A sentence above the form saying what OK will do."""
        self._note.setText(text)
        self._note.show()

    def values(self) -> object:
        raise NotImplementedError

    def accept(self) -> None:
        self.banner.hide()
        self.errors.clear()
        try:
            self.result_value = self._submit(self.values())
        except (ValidationError, ValidationErrors) as exc:
            show_validation(self.errors, self.banner, exc)
            self._fit()
            return
        except SchoolOfficeError as exc:
            self.banner.show_message(describe(exc, self.country))
            self._fit()
            return
        super().accept()

    def _fit(self) -> None:
        """Grow to what the shown messages need: a wrapped banner's height is known only once
        laid out, and a dialog that stays smaller lets its list cover the buttons."""
        self.layout().activate()
        needed = self.layout().totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)


class WrappingCheckBox(QWidget):
    """A check box whose long statement wraps to the dialog's width (a QCheckBox's text never
    wraps, so a long one is cut off and an error label below it overlaps). Clicking the text
    ticks the box, as with an ordinary check box."""

    toggled = Signal(bool)

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.box = QCheckBox()
        self.box.toggled.connect(self.toggled)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setBuddy(self.box)
        self.label.mousePressEvent = lambda _event: self.box.isEnabled() and self.box.toggle()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)

    def isChecked(self) -> bool:
        return self.box.isChecked()

    def setChecked(self, checked: bool) -> None:
        self.box.setChecked(checked)

    def text(self) -> str:
        return self.label.text()

    def changeEvent(self, event) -> None:  # the text greys out with the box
        super().changeEvent(event)
        self.label.setEnabled(self.isEnabled())


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.25)
    label.setFont(font)
    return label


def make_combo(items: Sequence[tuple[str, object]]) -> QComboBox:
    """A combo box of (text shown, value held) pairs."""
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    return combo


def combo_enum(combo: QComboBox, enum_class):
    """Qt hands a StrEnum back as a plain str: make it the enum again."""
    value = combo.currentData()
    return None if value is None else enum_class(value)
