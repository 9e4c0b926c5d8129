"""Settings: which database to use, and the language of the app.

The PostgreSQL password goes to the OS password store (Windows Credential Manager) through
desktop.integrations.secrets; settings.json only ever holds an address without a password.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from desktop.db.session import Database
from desktop.domain.errors import SchoolOfficeError, ValidationError, ValidationErrors
from desktop.i18n import LANGUAGE_NATIVE_NAMES
from desktop.integrations import secrets
from desktop.settings import (
    Settings,
    default_database_url,
    load_settings,
    save_settings,
    with_ca_file,
)
from desktop.ui.forms import ERROR_COLOUR, FieldErrors
from desktop.ui.messages import describe
from desktop.ui.text import N_, _
from desktop.ui.workers import run_with_progress

DEFAULT_PORT = 5432


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    database: str
    user: str

    def url(self, password: str = "") -> str:
        return URL.create(
            "postgresql",
            username=self.user,
            password=password or None,
            host=self.host,
            port=self.port,
            database=self.database,
        ).render_as_string(hide_password=False)

    @property
    def secret_key(self) -> str:
        return secrets.database_secret_key(self.user, self.host, self.port, self.database)

    def check(self) -> None:
        missing = [
            ValidationError(name, "", N_("is needed for a server database"))
            for name in ("host", "database", "user")
            if not getattr(self, name)
        ]
        if missing:
            raise ValidationErrors(missing)


def server_of(url: str) -> Server | None:
    try:
        parsed = make_url(url) if url else None
    except ArgumentError:
        return None
    if parsed is None or not parsed.drivername.startswith("postgres"):
        return None
    return Server(
        parsed.host or "", parsed.port or DEFAULT_PORT, parsed.database or "", parsed.username or ""
    )


def test_connection(url: str) -> None:
    """Connect once and run SELECT 1; DatabaseError says why it failed."""
    db = Database(url)
    try:
        db.check_connection()
    finally:
        db.dispose()


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, settings: Settings | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self.settings = settings or load_settings()
        self.database_changed = False
        self.language_changed = False
        self.errors = FieldErrors("EE")
        server = server_of(self.settings.database_url)

        self.embedded = QRadioButton(_("Only this computer (built-in database)"))
        self.shared = QRadioButton(_("Shared with other computers (PostgreSQL server)"))
        group = QButtonGroup(self)
        group.addButton(self.embedded)
        group.addButton(self.shared)
        local_path = make_url(
            self.settings.database_url
            if server is None and self.settings.database_url
            else default_database_url()
        ).database
        self.embedded_hint = QLabel(_("Stored in {path}").format(path=local_path))
        self.embedded_hint.setWordWrap(True)
        self.embedded_hint.setStyleSheet("color: palette(mid);")

        self.host = QLineEdit(server.host if server else "")
        self.host.setPlaceholderText(_("server name or address, e.g. kool-server"))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(server.port if server else DEFAULT_PORT)
        self.database = QLineEdit(server.database if server else "school_office")
        self.user = QLineEdit(server.user if server else "")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        if server and secrets.get_secret(server.secret_key):
            self.password.setPlaceholderText(_("saved in the password store; type to change"))
        # R120: the CA certificate the server's certificate is checked against (verify-full)
        self.ca_file = QLineEdit(self.settings.database_ca_file)
        self.ca_file.setPlaceholderText(_("the server's CA certificate (.crt or .pem)"))
        ca_browse = QPushButton(_("Choose…"))
        ca_browse.clicked.connect(self._choose_ca_file)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(ca_browse)
        self.test_button = QPushButton(_("Test connection"))
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.server_box = QWidget()
        form = QFormLayout(self.server_box)
        e = self.errors
        form.addRow(_("Server"), e.wrap("host", self.host))
        form.addRow(_("Port"), self.port)
        form.addRow(_("Database"), e.wrap("database", self.database))
        form.addRow(_("User name"), e.wrap("user", self.user))
        form.addRow(_("Password"), e.wrap("password", self.password))
        form.addRow(_("CA certificate"), ca_row)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form.addRow("", test_row)

        database_group = QGroupBox(_("Database"))
        database_layout = QVBoxLayout(database_group)
        database_layout.addWidget(self.embedded)
        database_layout.addWidget(self.embedded_hint)
        database_layout.addWidget(self.shared)
        database_layout.addWidget(self.server_box)
        self.restart_note = QLabel(_("A new database is used the next time School Office starts."))
        self.restart_note.setStyleSheet("color: palette(mid);")
        database_layout.addWidget(self.restart_note)

        self.language = QComboBox()
        self.language.addItem(_("Same as the school"), "")
        for code, name in LANGUAGE_NATIVE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(self.settings.ui_language)))
        language_group = QGroupBox(_("Language of the app"))
        language_layout = QVBoxLayout(language_group)
        language_layout.addWidget(self.language)
        # The windows are built in one language; a change applies from the next start.
        self.language_note = QLabel(
            _("The new language is used the next time School Office starts.")
        )
        self.language_note.setWordWrap(True)
        self.language_note.setStyleSheet("color: palette(mid);")
        language_layout.addWidget(self.language_note)
        self.language.currentIndexChanged.connect(self._update)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(database_group)
        layout.addWidget(language_group)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

        (self.shared if server else self.embedded).setChecked(True)
        self.shared.toggled.connect(self._update)
        self.test_button.clicked.connect(self.test)
        self._update()

    def _choose_ca_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("The server's CA certificate"),
            self.ca_file.text(),
            _("Certificates (*.crt *.pem *.cer);;All files (*)"),
        )
        if path:
            self.ca_file.setText(path)

    def _update(self) -> None:
        self.server_box.setEnabled(self.shared.isChecked())
        self.embedded_hint.setEnabled(self.embedded.isChecked())
        self.language_note.setVisible(self.language.currentData() != self.settings.ui_language)

    def _server(self) -> Server:
        server = Server(
            self.host.text().strip(),
            self.port.value(),
            self.database.text().strip(),
            self.user.text().strip(),
        )
        server.check()
        return server

    def test(self) -> None:
        self.errors.clear()
        try:
            server = self._server()
        except ValidationErrors as exc:
            self.errors.show(exc)
            return
        # empty password: the keyring's password is used
        url = with_ca_file(server.url(self.password.text()), self.ca_file.text().strip())
        self.test_result.setStyleSheet("")
        self.test_result.setText(_("Connecting…"))
        run_with_progress(
            self,
            _("Connecting to {host}…").format(host=server.host),
            lambda _progress, _cancel: test_connection(url),
            self._tested,
            self._test_failed,
            cancellable=False,
        )

    def _tested(self, _result: object) -> None:
        self.test_result.setStyleSheet("color: #1e6b2f;")
        self.test_result.setText(_("Connected."))

    def _test_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, SchoolOfficeError):
            raise exc
        self.test_result.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.test_result.setText(describe(exc))

    def accept(self) -> None:
        self.errors.clear()
        url = self.settings.database_url if server_of(self.settings.database_url) is None else ""
        try:
            if self.shared.isChecked():
                server = self._server()
                if self.password.text():
                    secrets.set_secret(server.secret_key, self.password.text())
                url = server.url()  # never with the password
        except ValidationErrors as exc:
            self.errors.show(exc)
            return
        except secrets.KeyringUnavailable as exc:
            self.errors.show(ValidationError("password", "", str(exc)))
            return
        ca_file = self.ca_file.text().strip() if self.shared.isChecked() else ""
        self.database_changed = (url, ca_file) != (
            self.settings.database_url,
            self.settings.database_ca_file,
        )
        self.settings.database_url = url
        self.settings.database_ca_file = ca_file
        self.language_changed = self.language.currentData() != self.settings.ui_language
        self.settings.ui_language = self.language.currentData()
        save_settings(self.settings)
        super().accept()
