"""SMS through a provider's HTTP API (a local provider server in development and tests).

The adapter speaks one small JSON contract; a provider with another API gets its own
adapter class with the same `send`. The delivery id is sent as the client reference, so
a provider that receives the same reference twice (a retry after a lost answer) sends
one SMS.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request

import nameko
from nameko.extensions import DependencyProvider


class SmsError(Exception):
    """Not accepted this time; the delivery is retried later."""


class SmsRejected(SmsError):
    """The provider refuses this message for good (bad number, blocked); no retry helps."""


@dataclasses.dataclass(frozen=True)
class SmsSettings:
    url: str
    api_key: str
    sender: str
    timeout: float


class HttpSmsProvider:
    def __init__(self, settings: SmsSettings):
        self.settings = settings

    def send(self, to: str, text: str, reference: str) -> str:
        s = self.settings
        body = json.dumps({"to": to, "from": s.sender, "text": text, "reference": reference}).encode()
        request = urllib.request.Request(
            f"{s.url.rstrip('/')}/v1/messages",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {s.api_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=s.timeout) as response:
                return json.loads(response.read() or b"{}").get("id", "")
        except urllib.error.HTTPError as exc:
            if exc.code in (400, 403, 422):
                raise SmsRejected(f"provider refused: HTTP {exc.code}") from None
            raise SmsError(f"provider answered HTTP {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise SmsError(f"{type(exc).__name__}: {exc}") from None


class SmsProvider(DependencyProvider):
    """None when SMS_PROVIDER_URL is empty: the instance has no SMS channel."""

    def setup(self):
        c = nameko.config
        url = c.get("SMS_PROVIDER_URL", "")
        self.provider = (
            HttpSmsProvider(
                SmsSettings(
                    url=url,
                    api_key=c.get("SMS_API_KEY", ""),
                    sender=c.get("SMS_SENDER", "BureauCitoyen"),
                    timeout=float(c.get("SMS_TIMEOUT", 10.0)),
                )
            )
            if url
            else None
        )

    def get_dependency(self, worker_ctx):
        return self.provider
