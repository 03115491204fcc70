"""Run one service: `python -m cokit.run <service>` (e.g. tickets).

The service's package provides `<service>.service` with a `Settings` dataclass and the
nameko service class named in `SERVICE`. Settings come from the environment; a bad or
missing variable stops the start with every problem listed, before anything listens.
`python -m cokit.run <service> --migrate` creates or upgrades the service's schema and
exits: clusters run it as a Helm hook Job, never at container start. A service's optional
`preflight(settings)` runs before it listens; a SettingsError from it (or from the
migration) stops the process with exit code 2 and the message, never a stack trace.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import errno  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import nameko  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from cokit import errors, logs, platform, settings as settings_mod  # noqa: E402

log = logging.getLogger("cokit.run")


def load_service(name: str):
    module = importlib.import_module(f"{name}.service")
    try:
        cfg = settings_mod.load(module.Settings)
    except settings_mod.SettingsError as exc:
        print(f"cannot start {name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return module, cfg


# Seconds a stopping service waits for the calls it already took before nameko stops it (the
# charts give a pod 30 s, 5 of them before the signal).
DRAIN_SECONDS = 20.0


def drain(runner, seconds: float = DRAIN_SECONDS) -> None:
    """Stops taking calls, then lets the calls already taken finish, before nameko stops the
    entrypoints. nameko unregisters every entrypoint first and closes connections last: a gRPC
    call arriving in between was answered UNIMPLEMENTED, and an HTTP request on a kept-alive
    connection was cut without an answer (both seen during a rolling update). Here each gRPC
    connection tells its caller to go elsewhere (HTTP/2 GOAWAY: the caller opens a new one, to a
    replica still serving) and finishes its calls, the HTTP server takes no new connection and
    closes each kept-alive one after its next answer, and the workers running are waited for."""
    from nameko.web.server import WebServer
    from nameko_grpc.entrypoint import GrpcServer

    for container in runner.containers:
        for extension in list(container.subextensions):
            if isinstance(extension, WebServer) and extension._serv is not None:
                extension._serv.keepalive = False
                extension._is_accepting = False
                extension._gt.kill()
    for container in runner.containers:
        for extension in list(container.subextensions):
            if isinstance(extension, GrpcServer):
                # A server of its own kind (federation's mutual-TLS port) says how it drains.
                stop_taking = getattr(extension, "drain", None) or extension.channel.stop
                stop_taking()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(c._worker_threads for c in runner.containers):
        eventlet.sleep(0.1)


def serve(module, cfg) -> None:
    import cokit.grpc  # noqa: F401  (installs the nameko-grpc latency fix)

    errors.install()
    nameko.config.setup(cfg.nameko_config())
    runner = ServiceRunner()
    runner.add_service(module.SERVICE)

    def stop():
        try:
            drain(runner)
        except Exception:
            # A drain that fails must not keep the process from stopping.
            log.exception("drain failed; stopping at once")
        runner.stop()

    def shutdown(signum, frame):
        # Signal handlers run on the main loop and cannot use eventlet primitives.
        eventlet.spawn_n(stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    log.info("service started", extra={"grpc_port": cfg.grpc_port, "metrics_port": cfg.metrics_port})
    waiter = eventlet.spawn(runner.wait)
    while True:
        try:
            waiter.wait()
            break
        except OSError as exc:
            if exc.errno != errno.EINTR:
                raise
    log.info("service stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cokit.run")
    parser.add_argument(
        "service",
        nargs="?",
        default=os.environ.get("SERVICE_NAME"),
        help=f"one of {', '.join(platform.NAMES)} (default: $SERVICE_NAME)",
    )
    parser.add_argument("--migrate", action="store_true", help="create or upgrade the schema, then exit")
    opts = parser.parse_args(argv)
    if not opts.service:
        parser.error("name the service, or set SERVICE_NAME")
    module, cfg = load_service(opts.service)
    logs.configure(cfg.service_name, cfg.log_level, cfg.log_format)
    try:
        if opts.migrate:
            migrate = getattr(module, "migrate", None)
            if migrate is None:
                log.info("no database: nothing to migrate")
                return 0
            migrate(cfg)
            log.info("schema up to date")
            return 0
        # A service may check what its settings must agree with (e.g. the secret that opens
        # its stored keys) before it listens.
        preflight = getattr(module, "preflight", None)
        if preflight is not None:
            preflight(cfg)
    except settings_mod.SettingsError as exc:
        log.error("cannot %s %s: %s", "migrate" if opts.migrate else "start", opts.service, exc)
        print(f"cannot {'migrate' if opts.migrate else 'start'} {opts.service}: {exc}", file=sys.stderr)
        return 2
    serve(module, cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
