"""The Billing tab's forms, one module per group: order and trial, payment, received letter,
refund and rejection, settings (their combo boxes: desktop.ui.forms.make_combo, combo_enum).

Each is a FormDialog: OK hands the values to the controller's submit, and a refusal (the
service's typed error) appears under the field it names, with what was typed kept.
"""
