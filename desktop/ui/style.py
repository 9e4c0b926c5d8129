"""The application style: the platform's own, with one adjustment for accented capitals.

Qt draws the label of an unselected tab 2 px lower and clips it, which cuts the accent off
capital letters in some fonts: "Õpilased" reads "Opilased", "Šola" reads "Sola". Keeping the
label where the selected tab has it shows the whole letter.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption


class AccentSafeStyle(QProxyStyle):
    def pixelMetric(
        self, metric: QStyle.PixelMetric, option: QStyleOption | None = None, widget=None
    ) -> int:
        if metric == QStyle.PixelMetric.PM_TabBarTabShiftVertical:
            return 0
        return super().pixelMetric(metric, option, widget)


def install_style(app: QApplication) -> None:
    if not isinstance(app.style(), AccentSafeStyle):
        app.setStyle(AccentSafeStyle())  # wraps the current (platform) style
