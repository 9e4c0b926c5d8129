"""The Terms dialog's forms: a new document, a draft version, publishing it, and the language
(and date) of a printed version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.model import ProviderIdentity
from desktop.domain.terms import AmendmentRule
from desktop.i18n import LANGUAGES, ui_language
from desktop.services.terms import (
    DraftInput,
    TermsDocumentInput,
    TermsDocumentRecord,
    TermsVersionRecord,
)
from desktop.ui.forms import DateField, FormDialog, read_fields
from desktop.ui.text import N_, _, language_label

RULES = {
    AmendmentRule.PUBLISHED_PLUS_15: N_("15 days after publication (Slovenian provider)"),
    AmendmentRule.STATED_DATE: N_("on the date the provider states"),
}


class DocumentForm(FormDialog):
    def __init__(self, parent: QWidget, country: str, submit):
        super().__init__(parent, _("New terms document"), country, submit, _("Create"))
        self.key = QLineEdit()
        self.key.setPlaceholderText("SI-POPOLNI-TERMS")
        self.titles = {lang: QLineEdit() for lang in LANGUAGES}
        self.provider_name = QLineEdit()
        self.provider_address = QPlainTextEdit()
        self.provider_address.setPlaceholderText(_("One line each: street, postal code and town"))
        self.provider_address.setFixedHeight(70)
        self.registry_code = QLineEdit()
        self.contacts = QPlainTextEdit()
        self.contacts.setPlaceholderText(_("One line each: e-mail, web page, phone"))
        self.contacts.setFixedHeight(70)
        self.free_alternative = QCheckBox(_("Print the free-alternative statement"))
        self.rule = QComboBox()
        for rule, label in RULES.items():
            self.rule.addItem(_(label), rule)
        if country == "SI":
            self.rule.setCurrentIndex(self.rule.findData(AmendmentRule.PUBLISHED_PLUS_15))
        titles = QVBoxLayout()
        for lang, edit in self.titles.items():
            row = QHBoxLayout()
            row.addWidget(QLabel(language_label(lang)), 0)
            row.addWidget(edit, 1)
            titles.addLayout(row)
        e = self.errors
        self.form.addRow(_("Document code"), e.wrap("key", self.key))
        self.form.addRow(_("Title"), e.wrap("titles", titles))
        self.form.addRow(_("Provider"), e.wrap("provider_name", self.provider_name))
        self.form.addRow(_("Address"), e.wrap("provider_address", self.provider_address))
        self.form.addRow(_("Registry code"), self.registry_code)
        self.form.addRow(_("Contacts"), self.contacts)
        self.form.addRow(_("Amendments take effect"), self.rule)
        self.form.addRow("", self.free_alternative)
        self.setMinimumWidth(560)

    def values(self) -> TermsDocumentInput:
        return TermsDocumentInput(
            self.key.text(),
            {lang: edit.text() for lang, edit in self.titles.items()},
            ProviderIdentity(
                self.provider_name.text(),
                tuple(self.provider_address.toPlainText().splitlines()),  # blank lines dropped
                self.registry_code.text(),
                tuple(self.contacts.toPlainText().splitlines()),
            ),
            self.free_alternative.isChecked(),
            self.rule.currentData(),
        )


class VersionForm(FormDialog):
    """A draft's label, date and text per language (with a summary of what changed)."""

    def __init__(
        self,
        parent: QWidget,
        country: str,
        submit,
        *,
        title: str,
        label: str,
        texts: dict[str, str],
        summary: dict[str, str] | None = None,
        dated_on: date | None = None,
    ):
        super().__init__(parent, title, country, submit, _("Save draft"))
        self.set_note(
            _(
                "Type or paste the text as the provider published it: numbered sections "
                '("1. General"), clauses ("1.1 …"), "- " for bullets, a blank line between '
                "paragraphs. Nothing is in force until the version is published."
            )
        )
        summary = summary or {}
        self.label = QLineEdit(label)
        self.label.setMaximumWidth(160)
        self.dated_on = DateField(country)
        self.dated_on.set_date(dated_on)
        self.tabs = QTabWidget()
        self.texts: dict[str, QPlainTextEdit] = {}
        self.summaries: dict[str, QLineEdit] = {}
        for lang in LANGUAGES:
            page = QWidget()
            page_layout = QVBoxLayout(page)
            text = QPlainTextEdit(texts.get(lang, ""))
            text.setObjectName(f"terms_text_{lang}")
            text.setMinimumHeight(440)
            change = QLineEdit(summary.get(lang, ""))
            change.setPlaceholderText(_("What changed, in a sentence (for the notice to parents)"))
            page_layout.addWidget(text, 1)
            page_layout.addWidget(change)
            self.texts[lang] = text
            self.summaries[lang] = change
            self.tabs.addTab(page, language_label(lang))
        # Open on the text there is: the provider's language, not an empty tab.
        self.tabs.setCurrentIndex(next((i for i, lang in enumerate(LANGUAGES) if lang in texts), 0))
        e = self.errors
        self.form.addRow(_("Version"), e.wrap("label", self.label))
        self.form.addRow(_("Date on the terms"), e.wrap("dated_on", self.dated_on))
        self.form.addRow(e.wrap("texts", self.tabs, "summary"))
        self.resize(860, 720)

    def values(self) -> DraftInput:
        fields = read_fields({"dated_on": lambda: self.dated_on.date_value("dated_on")})
        return DraftInput(
            {lang: edit.toPlainText() for lang, edit in self.texts.items()},
            fields["dated_on"],
            self.label.text(),
            {lang: edit.text() for lang, edit in self.summaries.items()},
        )


class PublishForm(FormDialog):
    def __init__(
        self,
        parent: QWidget,
        country: str,
        submit,
        version: TermsVersionRecord,
        document: TermsDocumentRecord,
        amendment: bool,
        today: date,
    ):
        super().__init__(
            parent,
            _("Publish {title} {label}").format(
                title=document.title(ui_language()), label=version.label
            ),
            country,
            submit,
            _("Publish"),
        )
        self.published_on = DateField(country)
        self.published_on.set_date(today)
        self.effective_from = DateField(country)
        automatic = amendment and document.amendment_rule is AmendmentRule.PUBLISHED_PLUS_15
        if automatic:
            self.effective_from.setEnabled(False)
            self.effective_from.setPlaceholderText(_("15 days after publication"))
            note = _(
                "Amended terms of this provider take effect on the 15th day after publication. "
                "Subscribers may withdraw within 8 days of being told."
            )
        elif amendment:
            note = _("Give the date from which the provider says the new terms apply.")
        else:
            note = _(
                "The first version: it is in force from the date given, else from publication."
            )
        self.set_note(_("Once published, this version cannot be changed any more.") + " " + note)
        e = self.errors
        self.form.addRow(_("Published on"), e.wrap("published_on", self.published_on))
        self.form.addRow(
            _("In force from"), e.wrap("effective_from", self.effective_from, "label", "version")
        )

    def values(self) -> tuple[date | None, date | None]:
        fields = read_fields(
            {
                "published_on": lambda: self.published_on.date_value("published_on"),
                "effective_from": lambda: self.effective_from.date_value("effective_from"),
            }
        )
        return fields["published_on"], fields["effective_from"]


@dataclass(frozen=True)
class PrintChoice:
    language: str
    on: date | None


class LanguageForm(FormDialog):
    """The language of the printed page, and (for "as of a date") the date."""

    def __init__(
        self,
        parent: QWidget,
        country: str,
        submit,
        *,
        title: str,
        languages,
        default: str,
        on: date | None = None,
    ):
        super().__init__(parent, title, country, submit, _("Preview"))
        self.language = QComboBox()
        for lang in LANGUAGES:
            suffix = "" if lang in languages else " " + _("(text falls back to another language)")
            self.language.addItem(language_label(lang) + suffix, lang)
        self.language.setCurrentIndex(max(0, self.language.findData(default)))
        self.on = None
        if on is not None:
            self.on = DateField(country)
            self.on.set_date(on)
            self.form.addRow(_("In force on"), self.errors.wrap("on", self.on))
        self.form.addRow(_("Language"), self.language)

    def values(self) -> PrintChoice:
        on = None
        if self.on is not None:
            on = read_fields({"on": lambda: self.on.date_value("on", required=True)})["on"]
        return PrintChoice(self.language.currentData(), on)
