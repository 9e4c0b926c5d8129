"""The Today tab: every deadline and waiting decision across the areas, one click to act."""

from desktop.ui.tabs.today.view import TodayTab

__all__ = ["TodayTab"]
