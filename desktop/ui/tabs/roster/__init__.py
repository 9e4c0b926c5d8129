"""The Roster tab: students, their guardians and contact restrictions."""

from desktop.ui.tabs.roster.view import RosterTab

__all__ = ["RosterTab"]
