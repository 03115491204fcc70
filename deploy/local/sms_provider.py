"""A local SMS provider for development and tests: the HTTP contract of the notifications
service's SMS adapter, messages kept as JSON lines instead of being sent.

    python deploy/local/sms_provider.py --port 9025 --dir .local/infra/sms --api-key KEY

POST /v1/messages {to, from, text, reference} -> 201 {id}; the same reference again
answers the first id and stores nothing (like real providers' client references).
GET /v1/messages lists what was received. POST /control {"fail_next": n} answers 503 to
the next n sends, to exercise retries.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Provider:
    def __init__(self, folder: pathlib.Path, api_key: str):
        self.folder = folder
        self.api_key = api_key
        self.lock = threading.Lock()
        self.fail_next = 0
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "messages.jsonl"
        self.by_reference = {m["reference"]: m["id"] for m in self.messages() if m.get("reference")}

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def accept(self, message: dict) -> tuple[int, dict]:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": "temporarily unavailable"}
            reference = message.get("reference", "")
            if reference and reference in self.by_reference:
                return 200, {"id": self.by_reference[reference], "duplicate": True}
            message = {"id": uuid.uuid4().hex, **{k: message.get(k, "") for k in ("to", "from", "text", "reference")}}
            with self.path.open("a") as out:
                out.write(json.dumps(message, ensure_ascii=False) + "\n")
            if reference:
                self.by_reference[reference] = message["id"]
            return 201, {"id": message["id"]}


def handler_for(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_GET(self):
            if self.path == "/v1/messages":
                return self._answer(200, provider.messages())
            if self.path == "/healthz":
                return self._answer(200, {"ok": True})
            self._answer(404, {"error": "not found"})

        def do_POST(self):
            if self.path == "/control":
                provider.fail_next = int(self._body().get("fail_next", 0))
                return self._answer(200, {"fail_next": provider.fail_next})
            if self.path != "/v1/messages":
                return self._answer(404, {"error": "not found"})
            if self.headers.get("Authorization") != f"Bearer {provider.api_key}":
                return self._answer(401, {"error": "bad api key"})
            try:
                message = self._body()
            except ValueError:
                return self._answer(400, {"error": "not JSON"})
            if not str(message.get("to", "")).lstrip("+").isdigit() or not message.get("text"):
                return self._answer(422, {"error": "to must be a phone number and text is required"})
            self._answer(*provider.accept(message))

        def log_message(self, *args):  # phone numbers must not end up in logs
            pass

    return Handler


def serve(port: int, folder: pathlib.Path, api_key: str) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", port), handler_for(Provider(folder, api_key)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9025)
    parser.add_argument("--dir", type=pathlib.Path, default=pathlib.Path(".local/infra/sms"))
    parser.add_argument("--api-key", default="local-sms-key")
    args = parser.parse_args()
    serve(args.port, args.dir, args.api_key).serve_forever()


if __name__ == "__main__":
    main()
