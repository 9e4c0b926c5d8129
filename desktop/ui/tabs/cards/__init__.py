"""The Cards tab: physical and virtual student cards and the link to the card provider."""

from desktop.ui.tabs.cards.view import CardsTab

__all__ = ["CardsTab"]
