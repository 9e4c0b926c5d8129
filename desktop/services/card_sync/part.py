"""What both parts of CardSyncService share: how to reach the provider, and the retry policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop.domain.cards.outbox import DEFAULT_RETRY_POLICY, RetryPolicy
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service

if TYPE_CHECKING:  # requests is imported on the first sync, not at start-up
    from desktop.integrations.card_provider import CardProviderClient


ClientFactory = Callable[[], "CardProviderClient"]


def client_from_settings() -> CardProviderClient:
    """The provider's address from the settings, its token from the OS keyring (only there)."""
    from desktop.integrations.card_provider import CardProviderClient, ProviderSettingsError
    from desktop.integrations.secrets import CARD_PROVIDER_TOKEN_KEY, get_secret
    from desktop.settings import load_settings

    url = load_settings().card_provider_url
    if not url:
        raise ProviderSettingsError(N_("the card provider's address is not set in the settings"))
    token = get_secret(CARD_PROVIDER_TOKEN_KEY)
    if not token:
        raise ProviderSettingsError(
            N_("no card provider token in this computer's password store; ask IT to save it")
        )
    return CardProviderClient(url, token)


class SyncPart(Service):
    """The base of CardSyncService's parts (services.card_sync)."""

    def __init__(
        self,
        db,
        actor,
        client_factory: ClientFactory = client_from_settings,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    ):
        super().__init__(db, actor)
        self.client_factory = client_factory
        self.policy = policy
