"""Billing use cases: settings, prices, orders, trials, payments, proposals, refunds, endings.

The rules live in desktop.domain.billing; this package reads the facts from the database, asks
the domain, and writes the outcome in one transaction with the audit log (R122). Payer data and
payments need the billing role (R121): every read and write here checks VIEW_BILLING /
EDIT_BILLING. Cascades from other areas (leaving R13, authority restriction R15, adult
prohibition R48) run inside the caller's transaction without a role check: the person who
recorded the cause is the one acting.

BillingService is assembled from one part per module, each a Service of its own concern:

- settings: the billing settings, prices, the renewal calendar, special trial offers;
- read_models: the Billing tab's rows, a subscription, its money history and open invoices;
- orders and trials: how a subscription starts;
- payments: money received, activation when paid in full;
- proposals (built on refunds): what waits for a person's decision, and the reminder fee;
- endings: the school's and provider's endings, and the cascades from other areas.

The functions they share with the letters (billing_letters), the daily jobs (billing_daily)
and the bank statements live in subscriptions, ledger, settings and endings.
"""

from __future__ import annotations

from desktop.services.billing.endings import (
    Endings,
    end_subscription,
    settle_ending,
    unsettled_endings,
)
from desktop.services.billing.ledger import invoice_number, paid_per_invoice
from desktop.services.billing.orders import OrderInput, Orders
from desktop.services.billing.payments import PaymentInput, PaymentResult, Payments
from desktop.services.billing.proposals import ProposalRecord, Proposals
from desktop.services.billing.read_models import (
    MoneyLine,
    OpenInvoice,
    ReadModels,
    SubscriptionRow,
)
from desktop.services.billing.refunds import RefundResult
from desktop.services.billing.settings import (
    BillingSettingsRecord,
    Settings,
    load_policies,
    load_prices,
    load_settings,
    settings_row,
)
from desktop.services.billing.subscriptions import (
    ProfileRecord,
    SubscriptionRecord,
    TrialRecord,
    current_subscription_id,
    load_subscription,
    payer_names,
)
from desktop.services.billing.trials import Trials


class BillingService(Settings, ReadModels, Orders, Trials, Payments, Proposals, Endings):
    """The billing area as one service (services.billing): its parts share the actor, the
    database and the recipient checks (part.BillingPart)."""


__all__ = [
    "BillingService",
    "BillingSettingsRecord",
    "MoneyLine",
    "OpenInvoice",
    "OrderInput",
    "PaymentInput",
    "PaymentResult",
    "ProfileRecord",
    "ProposalRecord",
    "RefundResult",
    "SubscriptionRecord",
    "SubscriptionRow",
    "TrialRecord",
    "current_subscription_id",
    "end_subscription",
    "invoice_number",
    "load_policies",
    "load_prices",
    "load_settings",
    "load_subscription",
    "paid_per_invoice",
    "payer_names",
    "settings_row",
    "settle_ending",
    "unsettled_endings",
]
