"""School Office: roster, cards, consent and billing for a school office."""

__version__ = "0.1.0"

APP_NAME = "School Office"
APP_ID = "school-office"  # folder names, keyring service, console script
ORG_NAME = "School Office"
