"""A provider that echoes our request back (its Authorization header in the error code or the
message) must not bring the token into the error, the outbox's last_error or the log."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop.integrations.card_provider import CardProviderClient, ProviderError

TOKEN = "s3cr3t-token-0123456789"


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        echoed = self.headers.get("Authorization", "")
        status, code = (422, echoed) if "code" in self.path else (503, f"busy {echoed}")
        body = json.dumps({"code": code, "message": f"you sent {echoed}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["code", "busy"])
def test_an_echoed_token_stays_out_of_errors_and_logs(echo_server, path, caplog):
    caplog.set_level(logging.DEBUG)
    client = CardProviderClient(f"{echo_server}/{path}", TOKEN)
    with client, pytest.raises(ProviderError) as info:
        client.upsert_entitlement("S-1", {"status": "ACTIVE"}, str(uuid.uuid4()))
    seen = [str(info.value), repr(info.value), str(vars(info.value))]
    seen += [r.getMessage() for r in caplog.records]
    assert not [text for text in seen if TOKEN in text]
