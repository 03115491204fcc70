"""Operator commands run beside the service (a cluster Job), e.g. the first national admin,
who cannot be granted through the API because nobody holds a role yet.

    python -m identity.admin grant --login admin@example.ma --role national_admin
    python -m identity.admin service-credentials [--master <base64>]   # the Secret's keys, as YAML
"""

from __future__ import annotations

import argparse
import base64
import os
import sys


from cokit.auth import policy, service_identity
from cokit.db import create_engine
from cokit.ids import uuid7

from . import store


def grant(database_url: str, instance: str, login: str, role: str, commune: str = "", office: str = "") -> str:
    scope = policy.Scope(instance, commune, office)
    problem = policy.check_binding(role, scope)
    if problem:
        raise SystemExit(f"cannot bind {role} to that scope: {problem}")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            row = store.find_by_login(conn, login)
            account = store.get_account(conn, row["citizen_id"]) if row else None
            if account is None or account["status"] != "active":
                raise SystemExit("no active account has this login")
            binding_id = uuid7()
            conn.execute(
                store.role_bindings.insert().values(
                    binding_id=binding_id,
                    citizen_id=account["citizen_id"],
                    role=role,
                    instance_id=instance,
                    commune_code=commune,
                    office_id=office,
                    granted_by="operator",
                    granted_at=store.now(),
                )
            )
            store.record(
                conn,
                "role.granted",
                instance_id=instance,
                commune_code=commune,
                office_id=office,
                subject=account["citizen_id"],
                actor="operator",
                role=role,
            )
        return binding_id
    finally:
        engine.dispose()


def service_credentials(master_text: str = "") -> dict[str, str]:
    """The keys of the Secret `citizenoffice-service-credentials`: `master` (identity's
    SERVICE_CREDENTIAL_MASTER; a new random one when none is given) and one credential per
    platform service, derived from it."""
    master = service_identity.decode_master(master_text) or os.urandom(32)
    keys = {"master": base64.b64encode(master).decode()}
    for service in service_identity.PLATFORM_SERVICES:
        if service != "identity":
            keys[service] = service_identity.credential_for(master, service)
    return keys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="identity.admin")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grant")
    g.add_argument("--login", required=True)
    g.add_argument("--role", required=True, choices=sorted(policy.ROLES))
    g.add_argument("--commune", default="")
    g.add_argument("--office", default="")
    c = sub.add_parser("service-credentials", help="print the service credentials Secret's keys (stringData YAML)")
    c.add_argument("--master", default=os.environ.get("SERVICE_CREDENTIAL_MASTER", ""))
    args = parser.parse_args(argv)
    if args.command == "service-credentials":
        print("\n".join(f"{key}: {value}" for key, value in service_credentials(args.master).items()))
        return 0
    url = os.environ.get("DATABASE_URL", "sqlite:///.local/data/identity.db")
    print(grant(url, os.environ.get("INSTANCE_ID", "ma"), args.login, args.role, args.commune, args.office))
    return 0


if __name__ == "__main__":
    sys.exit(main())
