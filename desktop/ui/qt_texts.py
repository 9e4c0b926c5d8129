"""Qt's own texts (OK, Cancel, a wizard's Back and Next, a text field's menu) in the UI language.

Qt asks an installed QTranslator for them by (context, English text). Qt ships no Estonian
translation, so the few texts the app shows come from our catalogue instead, like every other
text of the UI, and follow the UI language (desktop.i18n.set_ui_language).
"""

from __future__ import annotations

from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication

from desktop import i18n
from desktop.i18n import N_

_BUTTONS = (  # QDialogButtonBox and QMessageBox standard buttons
    N_("OK"),
    N_("Save"),
    N_("Save All"),
    N_("&Yes"),
    N_("Yes to &All"),
    N_("&No"),
    N_("N&o to All"),
    N_("Abort"),
    N_("Retry"),
    N_("Ignore"),
    N_("Close"),
    N_("Cancel"),
    N_("Discard"),
    N_("Help"),
    N_("Apply"),
    N_("Reset"),
    N_("Restore Defaults"),
)
_EDITING = (  # the right-click menu of text fields
    N_("&Undo"),
    N_("&Redo"),
    N_("Cu&t"),
    N_("&Copy"),
    N_("&Paste"),
    N_("Delete"),
    N_("Select All"),
)
QT_TEXTS: dict[str, frozenset[str]] = {
    "QPlatformTheme": frozenset(_BUTTONS),
    "QWizard": frozenset(
        (N_("< &Back"), N_("&Next >"), N_("&Next"), N_("Commit"), N_("&Finish"), N_("Cancel"))
    ),
    "QMessageBox": frozenset((N_("Show Details..."), N_("Hide Details..."))),
    "QLineEdit": frozenset(_EDITING),
    "QWidgetTextControl": frozenset(_EDITING),
}


class CatalogueTranslator(QTranslator):
    def translate(self, context, source_text, disambiguation=None, n=-1):
        if source_text in QT_TEXTS.get(context, ()):
            return i18n.gettext(source_text)
        return None  # Qt keeps its own text

    def isEmpty(self) -> bool:
        return False


def install_qt_translator(app: QApplication) -> None:
    if not app.findChildren(CatalogueTranslator):  # once per application
        app.installTranslator(CatalogueTranslator(app))  # the application owns it
