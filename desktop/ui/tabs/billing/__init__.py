"""The Billing tab: POPOLNI subscriptions, payments, letters and the decisions due today."""

from desktop.ui.tabs.billing.view import BillingTab

__all__ = ["BillingTab"]
