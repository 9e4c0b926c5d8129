"""The Consent tab: terms decisions, requests, codes and copies, restrictions, retention,
breaches."""

from desktop.ui.tabs.consent.view import ConsentTab

__all__ = ["ConsentTab"]
