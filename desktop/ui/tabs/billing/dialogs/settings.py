"""The billing settings and the year's prices (R73, R74, R77, R78)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtWidgets import QCheckBox, QLineEdit

from desktop.domain.billing.records import ReferenceScheme
from desktop.domain.dates import SchoolYear
from desktop.domain.money import parse_cents
from desktop.services.billing import BillingSettingsRecord
from desktop.ui.forms import FormDialog, combo_enum, make_combo, read_fields
from desktop.ui.tabs.billing.labels import amount_text
from desktop.ui.text import _


@dataclass(frozen=True)
class SettingsValues:
    settings: BillingSettingsRecord
    prices: dict[SchoolYear, int]


class SettingsDialog(FormDialog):
    def __init__(
        self,
        parent,
        country: str,
        settings: BillingSettingsRecord,
        prices: dict[SchoolYear, int | None],
        submit,
    ):
        super().__init__(parent, _("Billing settings"), country, submit)
        self.settings = settings
        self.enabled = QCheckBox(_("This school offers mojAsistent POPOLNI"))
        self.enabled.setChecked(settings.popolni_enabled)
        self.fields = {
            "entity_name": QLineEdit(settings.entity_name),
            "entity_street": QLineEdit(settings.entity_street),
            "entity_postal_code": QLineEdit(settings.entity_postal_code),
            "entity_city": QLineEdit(settings.entity_city),
            "entity_vat_id": QLineEdit(settings.entity_vat_id),
            "entity_email": QLineEdit(settings.entity_email),
            "iban": QLineEdit(settings.iban),
            "bic": QLineEdit(settings.bic),
            "bank_name": QLineEdit(settings.bank_name),
            "upn_purpose_code": QLineEdit(settings.upn_purpose_code),
        }
        self.scheme = make_combo(
            [
                (_("RF creditor reference"), ReferenceScheme.RF),
                (_("Slovenian model SI12"), ReferenceScheme.SI12),
                (_("Estonian reference number (7-3-1)"), ReferenceScheme.EE),
            ]
        )
        self.scheme.setCurrentIndex(self.scheme.findData(settings.reference_scheme))
        labels = {
            "entity_name": _("Billing entity"),
            "entity_street": _("Street"),
            "entity_postal_code": _("Postal code"),
            "entity_city": _("City"),
            "entity_vat_id": _("VAT ID"),
            "entity_email": _("E-mail"),
            "iban": _("IBAN"),
            "bic": _("BIC"),
            "bank_name": _("Bank"),
            "upn_purpose_code": _("UPN purpose code"),
        }
        e = self.errors
        self.form.addRow("", e.wrap("popolni_enabled", self.enabled))
        for key, widget in self.fields.items():
            self.form.addRow(labels[key], e.wrap(key, widget))
        self.form.addRow(_("Payment reference"), self.scheme)
        self.prices: dict[SchoolYear, QLineEdit] = {}
        for year, cents in prices.items():
            field = QLineEdit("" if cents is None else amount_text(cents))
            field.setPlaceholderText(_("not set"))
            self.prices[year] = field
            self.form.addRow(
                _("Price {year} (€)").format(year=year.label),
                e.wrap(f"price_{year.start_year}", field),
            )
        self.setMinimumWidth(520)

    def values(self) -> SettingsValues:
        prices = read_fields(
            {
                f"price_{year.start_year}": (
                    lambda f=field, y=year: (
                        parse_cents(f.text(), f"price_{y.start_year}") if f.text().strip() else None
                    )
                )
                for year, field in self.prices.items()
            }
        )
        record = replace(
            self.settings,
            popolni_enabled=self.enabled.isChecked(),
            reference_scheme=combo_enum(self.scheme, ReferenceScheme),
            **{key: widget.text() for key, widget in self.fields.items()},
        )
        return SettingsValues(
            record,
            {
                year: prices[f"price_{year.start_year}"]
                for year in self.prices
                if prices[f"price_{year.start_year}"] is not None
            },
        )
