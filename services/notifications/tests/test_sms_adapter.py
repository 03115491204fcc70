"""The SMS adapter against the local provider server (a real HTTP server on a free port)."""

import sys
import threading
from pathlib import Path

import pytest

from notifications.sms import HttpSmsProvider, SmsError, SmsRejected, SmsSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "deploy" / "local"))
import sms_provider  # noqa: E402


@pytest.fixture
def provider(tmp_path):
    server = sms_provider.serve(0, tmp_path, "key-1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def adapter(url, key="key-1"):
    return HttpSmsProvider(SmsSettings(url=url, api_key=key, sender="BC", timeout=5))


def test_a_message_is_sent_once_per_reference(provider, tmp_path):
    _, url = provider
    first = adapter(url).send("+212600000001", "تم استلام طلبكم", reference="d-1")
    assert adapter(url).send("+212600000001", "تم استلام طلبكم", reference="d-1") == first
    messages = sms_provider.Provider(tmp_path, "key-1").messages()
    assert [(m["to"], m["text"], m["reference"]) for m in messages] == [("+212600000001", "تم استلام طلبكم", "d-1")]


def test_errors_are_retried_or_final(provider):
    _, url = provider
    with pytest.raises(SmsRejected):
        adapter(url).send("not-a-number", "x", reference="d-2")
    with pytest.raises(SmsError) as err:
        adapter(url, key="wrong").send("+212600000002", "x", reference="d-3")
    assert not isinstance(err.value, SmsRejected)
    with pytest.raises(SmsError):
        adapter("http://127.0.0.1:9").send("+212600000002", "x", reference="d-4")
