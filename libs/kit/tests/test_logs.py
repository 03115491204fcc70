import json
import logging

from cokit import refusals
from cokit.errors import invalid_argument
from cokit.logs import JsonFormatter, set_trace_id


def render(exc: BaseException | None = None, **extra) -> dict:
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "boom %s", ("x",), None)
    if exc is not None:
        try:
            raise exc
        except BaseException as caught:  # noqa: BLE001
            import sys

            record.exc_info = sys.exc_info()
            assert caught is exc
    record.__dict__.update(extra)
    return json.loads(JsonFormatter("tickets").format(record))


def test_a_line_is_json_with_service_and_trace():
    set_trace_id("abc123")
    try:
        entry = render(ticket_id="t-1")
    finally:
        set_trace_id("")
    assert entry["msg"] == "boom x" and entry["service"] == "tickets"
    assert entry["trace_id"] == "abc123" and entry["ticket_id"] == "t-1"


def test_foreign_exception_messages_are_not_logged():
    entry = render(ValueError("duplicate key (email)=(amina@example.ma)"))
    assert entry["error"] == "ValueError"
    assert "amina" not in json.dumps(entry)
    assert entry["where"].startswith("test_logs.py:")


def test_refusal_messages_are_kept():
    entry = render(invalid_argument("DESCRIPTION_TOO_SHORT", "describe the request in at least 10 characters"))
    assert entry["error"] == "DomainError: describe the request in at least 10 characters"
    entry = render(refusals.invalid_argument("DESCRIPTION_TOO_SHORT", "describe the request in at least 10 characters"))
    assert entry["error"] == "Refusal: describe the request in at least 10 characters"


def test_nameko_worker_error_lines_drop_the_exception_text():
    from cokit.logs import WorkerErrorFilter

    try:
        raise KeyError("cin=AB123456")
    except KeyError:
        import sys

        record = logging.LogRecord(
            "nameko.containers",
            logging.ERROR,
            __file__,
            1,
            "error handling worker %s: %s",
            ("<ctx tickets.Submit>", KeyError("cin=AB123456")),
            sys.exc_info(),
        )
    assert WorkerErrorFilter().filter(record)
    line = JsonFormatter("tickets").format(record)
    assert "AB123456" not in line
    assert json.loads(line)["msg"] == "error handling worker <ctx tickets.Submit>"
    assert json.loads(line)["error"] == "KeyError"


def test_logging_from_an_os_thread_and_green_threads_at_once():
    import pathlib
    import subprocess
    import sys

    script = pathlib.Path(__file__).with_name("log_from_two_threads.py")
    result = subprocess.run([sys.executable, str(script), "20000"], capture_output=True, text=True, timeout=120)
    assert "Cannot switch to a different thread" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count('"logger": "two-threads"') == 40000
