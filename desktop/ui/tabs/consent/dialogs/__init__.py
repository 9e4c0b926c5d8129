"""The Consent tab's small forms, one module per page of the tab (terms decisions, requests,
restrictions, retention, codes, breaches); `fields.py` holds what they share.

Each collects values and hands them to `submit`; what the service refuses is shown next to the
field, and the dialog stays open (FormDialog).
"""
