"""The user interface (PySide6). Only this package and desktop/app.py import Qt."""
