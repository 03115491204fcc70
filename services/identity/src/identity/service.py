"""The identity service: contacts, accounts, sessions, signing keys, roles in scopes, API keys,
consents and the security audit trail.

Calls made for a person carry the caller's bearer token (context data `authorization`);
identity verifies it with the same cokit.auth Verifier every service uses and asks the shared
policy, never a rule of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging

import eventlet.tpool
import sqlalchemy as sa
from grpc import StatusCode
from nameko_grpc.context import context_data_from_metadata
from nameko.extensions import DependencyProvider
from nameko_grpc.errors import GrpcError

from citizenoffice.identity.v1 import identity_pb2 as pb
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub
from citizenoffice.notifications.v1 import notifications_pb2 as notifications_pb
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub
from cokit.auth import policy, service_identity
from cokit.auth.context import AUDIENCE, caller_from_context, issuer_of
from cokit.auth.tokens import TokenError, TrustState, Verifier
from cokit.clients import ServiceClient
from cokit.errors import DomainError, failed_precondition, invalid_argument, not_found, unavailable
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit.db import Database, create_engine
from cokit import platform
from cokit.settings import ServiceSettings

from . import domain, keyseal, store

grpc = rpc(IdentityServiceStub)
add_event_tables(store.metadata)
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "identity"
    grpc_port: int = platform.facts("identity").grpc_port
    metrics_port: int = platform.facts("identity").metrics_port
    database_url: str = "sqlite:///.local/data/identity.db"
    access_token_ttl: int = 300
    refresh_token_days: int = 30
    login_backoff_after: int = 3
    login_lock_after: int = 5
    login_base_delay: float = 1.0
    login_lock_minutes: int = 15
    login_source_limit: int = 50
    key_stage_seconds: float = 5.0
    notifications_grpc_target: str = platform.local_target("notifications")  # sends the one-time codes and notices
    notifications_deadline: float = 10.0  # seconds a code may take to leave; then CODE_NOT_SENT
    # base64 of 32 bytes: seals the private signing keys at rest (keyseal); required
    identity_key_secret: str = dataclasses.field(default="", repr=False)
    # base64 of 32 bytes: the platform services' credentials are HMACs of their names under it
    # (cokit.auth.service_identity); empty: no service token is issued
    service_credential_master: str = dataclasses.field(default="", repr=False)

    def __post_init__(self):
        keyseal.KeySealer(self.identity_key_secret)  # a missing or malformed secret stops the start
        service_identity.decode_master(self.service_credential_master)


def citizen_message(row) -> pb.Citizen:
    return pb.Citizen(
        citizen_id=row["citizen_id"],
        email=row["email"] or "",
        phone=row["phone"] or "",
        display_name=row["display_name"],
        language=row["language"],
    )


def unauthenticated(reason: str, message: str) -> DomainError:
    return DomainError(StatusCode.UNAUTHENTICATED, reason, message)


def too_many(reason: str, message: str, retry_after: float) -> DomainError:
    return DomainError(StatusCode.RESOURCE_EXHAUSTED, reason, message, retry_after=max(1, int(retry_after + 0.999)))


def scope_of(message: pb.Scope) -> policy.Scope:
    return policy.Scope(message.instance_id, message.commune_code, message.office_id)


def scope_message(scope: policy.Scope) -> pb.Scope:
    return pb.Scope(instance_id=scope.instance, commune_code=scope.commune, office_id=scope.office)


def row_scope(row) -> policy.Scope:
    return policy.Scope(row["instance_id"], row["commune_code"], row["office_id"])


def binding_message(row) -> pb.RoleBinding:
    return pb.RoleBinding(
        binding_id=row["binding_id"],
        citizen_id=row["citizen_id"],
        role=row["role"],
        scope=scope_message(row_scope(row)),
        granted_by=row["granted_by"],
    )


def _in_scope(table, scope: policy.Scope):
    cond = [table.c.instance_id == scope.instance]
    if scope.commune:
        cond.append(table.c.commune_code == scope.commune)
    if scope.office:
        cond.append(table.c.office_id == scope.office)
    return sa.and_(*cond)


def lockout() -> domain.Lockout:
    import nameko

    c = nameko.config
    return domain.Lockout(
        backoff_after=int(c.get("LOGIN_BACKOFF_AFTER", 3)),
        lock_after=int(c.get("LOGIN_LOCK_AFTER", 5)),
        base_delay=float(c.get("LOGIN_BASE_DELAY", 1.0)),
        lock_for=dt.timedelta(minutes=int(c.get("LOGIN_LOCK_MINUTES", 15))),
        source_limit=int(c.get("LOGIN_SOURCE_LIMIT", 50)),
    )


def _config(key: str, default):
    import nameko

    return type(default)(nameko.config.get(key, default))


# --- signing keys ------------------------------------------------------------------------------

_SEALERS: dict[str, keyseal.KeySealer] = {}


def sealer() -> keyseal.KeySealer:
    import nameko

    secret = nameko.config.get("IDENTITY_KEY_SECRET", "")
    if secret not in _SEALERS:
        _SEALERS[secret] = keyseal.KeySealer(secret)
    return _SEALERS[secret]


def new_signing_key(conn, sealer: keyseal.KeySealer, status: str, at: dt.datetime) -> str:
    kid, pem, jwk = domain.generate_signing_key()
    conn.execute(
        store.signing_keys.insert().values(
            kid=kid,
            private_pem=sealer.seal(pem, kid),
            public_jwk=json.dumps(jwk),
            status=status,
            created_at=at,
            activated_at=at if status == domain.KEY_ACTIVE else None,
        )
    )
    return kid


def ensure_signing_key(conn, sealer: keyseal.KeySealer) -> None:
    """An instance always has one active key (created at migration, or lazily)."""
    active = conn.execute(sa.select(store.signing_keys.c.kid).where(store.signing_keys.c.status == "active")).first()
    if active is None:
        new_signing_key(conn, sealer, domain.KEY_ACTIVE, store.now())


def seal_stored_keys(conn, sealer: keyseal.KeySealer) -> int:
    """Seal the keys stored in clear (written before sealing existed) and check that every key
    still published opens with this secret; raises KeySecretError otherwise. Returns how many
    keys were sealed now."""
    keys = store.signing_keys
    sealed = 0
    for kid, stored, status in conn.execute(sa.select(keys.c.kid, keys.c.private_pem, keys.c.status)).all():
        if keyseal.is_sealed(stored):
            if status in domain.PUBLISHED:
                sealer.open(stored, kid)
            continue
        conn.execute(
            keys.update()
            .where(keys.c.kid == kid, keys.c.private_pem == stored)
            .values(private_pem=sealer.seal(stored, kid))
        )
        sealed += 1
    return sealed


def prepare_signing_keys(conn, settings) -> None:
    """The migration's step for keys: clear ones sealed, a wrong secret refused, one active."""
    keys = keyseal.KeySealer(settings.identity_key_secret)
    sealed = seal_stored_keys(conn, keys)
    if sealed:
        log.info("signing keys sealed at rest", extra={"count": sealed})
    ensure_signing_key(conn, keys)


def preflight(settings) -> None:
    """Before the service listens: a secret that does not open the published keys stops it
    (KeySecretError, a SettingsError). A database not reachable yet is not this check's concern."""
    engine = create_engine(settings.database_url)
    keys = keyseal.KeySealer(settings.identity_key_secret)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(store.signing_keys.c.kid, store.signing_keys.c.private_pem).where(
                    store.signing_keys.c.status.in_(domain.PUBLISHED)
                )
            ).all()
    except sa.exc.SQLAlchemyError as exc:
        log.warning("signing keys not checked at start", extra={"error": type(exc).__name__})
        return
    finally:
        engine.dispose()
    for kid, stored in rows:
        keys.open(stored, kid)


def trust_state(conn) -> tuple[dict, list[str]]:
    keys = store.published_keys(conn)
    # Revoked sessions matter only while their access tokens can still be valid.
    since = store.now() - dt.timedelta(seconds=_config("ACCESS_TOKEN_TTL", 300) + 60)
    return {"keys": [json.loads(k["public_jwk"]) for k in keys]}, store.revoked_sessions_since(conn, since)


_VERIFIERS: dict[int, Verifier] = {}


def reach(row) -> tuple[str, str]:
    """(channel, address) a citizen is sent codes on: the e-mail, else the phone by SMS."""
    return ("email", row["email"]) if row["email"] else ("sms", row["phone"] or "")


RESEND_HINT = {
    "verify": "ask for a new code (POST /api/v1/auth/verify/resend) in a moment",
    "reset": "ask for a new reset code in a moment",
}


def sign_claims(conn, claims: dict) -> str:
    """`claims` signed with the active signing key."""
    ensure_signing_key(conn, sealer())
    key = (
        conn.execute(
            sa.select(store.signing_keys)
            .where(store.signing_keys.c.status == "active")
            .order_by(store.signing_keys.c.activated_at.desc())
        )
        .mappings()
        .first()
    )
    return domain.mint_access_token(sealer().open(key["private_pem"], key["kid"]), key["kid"], claims)


def service_token(conn, service: str) -> tuple[str, int]:
    """A token naming a platform service (kind `service`, no roles) and its lifetime."""
    ttl = _config("ACCESS_TOKEN_TTL", 300)
    instance = current_instance()
    claims = domain.access_claims(
        issuer=issuer_of(instance),
        audience=AUDIENCE,
        subject=service_identity.service_subject(service),
        session_id=f"service-{uuid7()}",
        instance=instance,
        bindings=[],
        ttl=ttl,
        now=store.now(),
        kind=service_identity.SERVICE_KIND,
    )
    claims["svc"] = service
    return sign_claims(conn, claims), ttl


class OwnServiceToken(DependencyProvider):
    """identity's own service token for its calls (to notifications), minted here: identity
    holds the keys, so it asks nobody."""

    def setup(self):
        self.service_tokens = service_identity.ServiceTokens(self._mint)

    def _mint(self) -> tuple[str, int]:
        engine = next(d.engine for d in self.container.dependencies if isinstance(d, Database))
        with engine.begin() as conn:
            return service_token(conn, "identity")


class IdentityService(kit_service(pb)):
    name = "identity"
    events = OutboxRelay(engine="db")
    notifications = ServiceClient("notifications", NotificationsServiceStub)
    own_token = OwnServiceToken()

    # --- helpers -------------------------------------------------------------------------------

    def _verifier(self) -> Verifier:
        verifier = _VERIFIERS.get(id(self.db))
        if verifier is None:
            engine = self.db

            def fetch() -> TrustState:
                with engine.connect() as conn:
                    jwks, revoked = trust_state(conn)
                return TrustState(jwks, frozenset(revoked))

            verifier = _VERIFIERS[id(self.db)] = Verifier(issuer_of(current_instance()), AUDIENCE, fetch)
        return verifier

    def _caller(self, context) -> policy.Caller:
        data = context_data_from_metadata(context.invocation_metadata())
        return caller_from_context(data, self._verifier(), current_instance())

    def _allow(self, context, action: str, **kwargs) -> policy.Caller:
        """The caller, once the policy allows `action` on this instance (a bare call to a
        public action is refused too: it must come through the platform or be signed in)."""
        caller = self._caller(context)
        policy.require(caller, action, policy.Scope(current_instance()), **kwargs)
        return caller

    def _signed_in(self, context) -> policy.Caller:
        """The caller of a change, refused before anything is looked up when no token came."""
        caller = self._caller(context)
        if not caller.authenticated:
            raise unauthenticated("AUTHENTICATION_REQUIRED", "sign in to do this")
        return caller

    def _user(self, context) -> policy.Caller:
        caller = self._caller(context)
        if caller.kind != "user":
            raise unauthenticated("AUTHENTICATION_REQUIRED", "sign in to do this")
        return caller

    def _issue(self, conn, citizen_id: str, session_id: str) -> pb.TokenPair:
        at = store.now()
        ttl = _config("ACCESS_TOKEN_TTL", 300)
        instance = current_instance()
        bindings = [
            policy.binding_claim(policy.RoleBinding(b["role"], row_scope(b)))
            for b in store.active_bindings(conn, citizen_id)
        ]
        claims = domain.access_claims(
            issuer=issuer_of(instance),
            audience=AUDIENCE,
            subject=citizen_id,
            session_id=session_id,
            instance=instance,
            bindings=bindings,
            ttl=ttl,
            now=at,
        )
        access = sign_claims(conn, claims)
        refresh = domain.new_refresh_token()
        conn.execute(
            store.refresh_tokens.insert().values(
                token_hash=domain.hash_secret_fast(refresh),
                session_id=session_id,
                issued_at=at,
                expires_at=at + dt.timedelta(days=_config("REFRESH_TOKEN_DAYS", 30)),
            )
        )
        return pb.TokenPair(access_token=access, refresh_token=refresh, expires_in=ttl, token_type="Bearer")

    def _new_code(self, conn, citizen_id: str, purpose: str) -> str:
        codes = store.one_time_codes
        # A code lives CODE_TTL, so the live and superseded rows count the codes sent lately.
        recent = conn.execute(
            sa.select(sa.func.count())
            .select_from(codes)
            .where(
                codes.c.citizen_id == citizen_id,
                codes.c.purpose == purpose,
                codes.c.expires_at > store.now(),
            )
        ).scalar_one()
        if recent >= domain.CODES_PER_TTL:
            raise too_many(
                "CODE_LIMIT", "too many codes were asked for lately; try again later", domain.CODE_TTL.total_seconds()
            )
        code = domain.new_code()
        conn.execute(
            store.one_time_codes.update()
            .where(
                store.one_time_codes.c.citizen_id == citizen_id,
                store.one_time_codes.c.purpose == purpose,
                store.one_time_codes.c.used_at.is_(None),
            )
            .values(used_at=store.now())
        )
        conn.execute(
            store.one_time_codes.insert().values(
                code_id=uuid7(),
                citizen_id=citizen_id,
                purpose=purpose,
                attempts=0,
                code_hash=eventlet.tpool.execute(domain.hash_secret_slow, code),
                expires_at=store.now() + domain.CODE_TTL,
            )
        )
        return code

    def _send_code(self, row, purpose: str, code: str) -> None:
        """The code leaves now through notifications, or the caller is told to ask again; the
        account and the code's hash stay either way."""
        channel, address = reach(row)
        try:
            self.notifications.SendOneTimeCode(
                notifications_pb.SendOneTimeCodeRequest(
                    channel=channel,
                    address=address,
                    language=row["language"],
                    purpose=purpose,
                    code=code,
                    expires_in_minutes=int(domain.CODE_TTL.total_seconds() // 60),
                    citizen_id=row["citizen_id"],
                ),
                timeout=_config("NOTIFICATIONS_DEADLINE", 10.0),
            )
        except GrpcError as exc:
            log.warning(
                "one-time code not sent", extra={"purpose": purpose, "channel": channel, "status": exc.code.name}
            )
            field = "email" if channel == "email" else "phone"
            if exc.code == StatusCode.INVALID_ARGUMENT:  # the address is refused for good
                raise invalid_argument(
                    "CONTACT_UNREACHABLE", "no code can be sent to this address; check it", field=field
                ) from None
            if exc.code == StatusCode.FAILED_PRECONDITION:  # e.g. an instance without an SMS provider
                raise failed_precondition(
                    "CHANNEL_NOT_AVAILABLE",
                    f"this instance cannot send codes by {channel}; use an e-mail address",
                    field=field,
                ) from None
            raise unavailable(
                "CODE_NOT_SENT", f"your code could not be sent just now; {RESEND_HINT[purpose]}", channel=channel
            ) from None

    def _send_notice(self, row, purpose: str, minutes: int) -> None:
        """A security notice is best effort: the refusal the caller gets does not depend on it."""
        channel, address = reach(row)
        try:
            self.notifications.SendSecurityNotice(
                notifications_pb.SendSecurityNoticeRequest(
                    channel=channel,
                    address=address,
                    language=row["language"],
                    purpose=purpose,
                    minutes=minutes,
                    citizen_id=row["citizen_id"],
                ),
                timeout=_config("NOTIFICATIONS_DEADLINE", 10.0),
            )
        except GrpcError as exc:
            log.warning(
                "security notice not sent", extra={"purpose": purpose, "channel": channel, "status": exc.code.name}
            )

    def _check_code(self, citizen_id: str, purpose: str, code: str) -> None:
        """Raises unless `code` is the live code; each wrong try counts, five end the code."""
        with self.db.begin() as conn:
            row = (
                conn.execute(
                    sa.select(store.one_time_codes)
                    .where(
                        store.one_time_codes.c.citizen_id == citizen_id,
                        store.one_time_codes.c.purpose == purpose,
                        store.one_time_codes.c.used_at.is_(None),
                    )
                    .order_by(store.one_time_codes.c.expires_at.desc())
                )
                .mappings()
                .first()
            )
            if (
                row is None
                or store.as_utc(row["expires_at"]) < store.now()
                or row["attempts"] >= domain.CODE_MAX_ATTEMPTS
            ):
                raise invalid_argument("CODE_EXPIRED", "this code has expired; ask for a new one", field="code")
            right = eventlet.tpool.execute(domain.verify_secret_slow, row["code_hash"], (code or "").strip())
            # A wrong try is counted and committed before the refusal is raised.
            conn.execute(
                store.one_time_codes.update()
                .where(store.one_time_codes.c.code_id == row["code_id"])
                .values(**({"used_at": store.now()} if right else {"attempts": row["attempts"] + 1}))
            )
        if not right:
            raise invalid_argument("CODE_INVALID", "this code is not right", field="code")

    # --- contacts (used by the gateway's anonymous submissions and by notifications) ----------

    @grpc
    def UpsertCitizen(self, request, context):
        self._allow(context, "citizen.upsert")
        contact = domain.clean_contact(request.email, request.phone, request.display_name, request.language)
        instance_id = current_instance()
        with self.db.begin() as conn:
            row, created = store.upsert_citizen(conn, contact, instance_id)
            if created:
                self.events.add(
                    conn,
                    "user.registered",
                    row["citizen_id"],
                    pb.UserRegistered(citizen_id=row["citizen_id"], language=row["language"]),
                )
        return citizen_message(row)

    @grpc
    def GetCitizen(self, request, context):
        self._allow(context, "citizen.read", owner=request.citizen_id)
        with self.db.connect() as conn:
            row = store.get_citizen(conn, request.citizen_id)
        if row is None:
            raise not_found("CITIZEN_NOT_FOUND", "no such citizen")
        return citizen_message(row)

    # --- accounts ------------------------------------------------------------------------------

    @grpc
    def Register(self, request, context):
        self._allow(context, "account.access")
        contact = domain.clean_contact(request.email, request.phone, request.display_name, request.language)
        domain.check_password_rules(request.password)
        password_hash = eventlet.tpool.execute(domain.hash_secret_slow, request.password)
        instance = current_instance()
        with self.db.begin() as conn:
            existing = store.find_by_login(conn, contact.email or contact.phone)
            account = store.get_account(conn, existing["citizen_id"]) if existing else None
            if account is not None and account["status"] != "pending_verification":
                # Same answer as a new registration: whether an address has an account is private.
                store.record(conn, "register.existing", instance_id=instance, subject=account["citizen_id"])
                return pb.RegisterReply(citizen_id="", status="pending_verification")
            row, created = store.upsert_citizen(conn, contact, instance)
            citizen_id = row["citizen_id"]
            if account is None:
                conn.execute(
                    store.accounts.insert().values(
                        citizen_id=citizen_id,
                        password_hash=password_hash,
                        status="pending_verification",
                        failed_logins=0,
                        created_at=store.now(),
                    )
                )
            else:
                conn.execute(
                    store.accounts.update()
                    .where(store.accounts.c.citizen_id == citizen_id)
                    .values(password_hash=password_hash)
                )
            if created:
                self.events.add(
                    conn,
                    "user.registered",
                    citizen_id,
                    pb.UserRegistered(citizen_id=citizen_id, language=row["language"]),
                )
            code = self._new_code(conn, citizen_id, "verify")
            store.record(conn, "register", instance_id=instance, subject=citizen_id)
        self._send_code(row, "verify", code)
        return pb.RegisterReply(citizen_id=citizen_id, status="pending_verification")

    @grpc
    def ResendVerificationCode(self, request, context):
        self._allow(context, "account.access")
        with self.db.begin() as conn:
            row = store.find_by_login(conn, request.login)
            account = store.get_account(conn, row["citizen_id"]) if row else None
            if account is None or account["status"] != "pending_verification":
                return pb.Empty()  # same answer either way
            code = self._new_code(conn, account["citizen_id"], "verify")
            store.record(conn, "verify.resent", instance_id=current_instance(), subject=account["citizen_id"])
        self._send_code(row, "verify", code)
        return pb.Empty()

    @grpc
    def Verify(self, request, context):
        self._allow(context, "account.access")
        with self.db.connect() as conn:
            row = store.find_by_login(conn, request.login)
            account = store.get_account(conn, row["citizen_id"]) if row else None
        if account is None:
            raise invalid_argument("CODE_INVALID", "this code is not right", field="code")
        if account["status"] == "active":
            return pb.AccountStatus(citizen_id=account["citizen_id"], status="active")
        self._check_code(account["citizen_id"], "verify", request.code)
        with self.db.begin() as conn:
            conn.execute(
                store.accounts.update()
                .where(store.accounts.c.citizen_id == account["citizen_id"])
                .values(status="active", verified_at=store.now())
            )
            self.events.add(
                conn, "user.verified", account["citizen_id"], pb.UserVerified(citizen_id=account["citizen_id"])
            )
            store.record(conn, "verified", instance_id=current_instance(), subject=account["citizen_id"])
        return pb.AccountStatus(citizen_id=account["citizen_id"], status="active")

    @grpc
    def Login(self, request, context):
        self._allow(context, "account.access")
        rules = lockout()
        instance = current_instance()
        source = domain.source_key(request.source)
        now = store.now()
        with self.db.begin() as conn:
            src = (
                conn.execute(sa.select(store.source_failures).where(store.source_failures.c.source_key == source))
                .mappings()
                .first()
            )
            refusal = None
            row = store.find_by_login(conn, request.login)
            account = store.get_account(conn, row["citizen_id"]) if row else None
            if (
                src is not None
                and store.as_utc(src["window_start"]) + rules.source_window > now
                and src["failures"] >= rules.source_limit
            ):
                store.record(conn, "login.source_blocked", instance_id=instance, source_key=source)
                wait = (store.as_utc(src["window_start"]) + rules.source_window - now).total_seconds()
                refusal = too_many(
                    "SOURCE_THROTTLED", "too many failed sign-ins from your network; try again later", wait
                )
            elif account is not None:
                gate = rules.account_gate(
                    account["failed_logins"],
                    store.as_utc(account["last_failure_at"]),
                    store.as_utc(account["locked_until"]),
                    now,
                )
                if gate is not None:
                    store.record(
                        conn,
                        "login.refused",
                        instance_id=instance,
                        subject=account["citizen_id"],
                        source_key=source,
                        reason=gate[0],
                    )
                    message = (
                        "this account is locked after repeated failed sign-ins; try again later"
                        if gate[0] == "ACCOUNT_LOCKED"
                        else "too many failed sign-ins; wait before trying again"
                    )
                    refusal = too_many(gate[0], message, gate[1])
        if refusal is not None:
            raise refusal
        ok = eventlet.tpool.execute(
            domain.verify_secret_slow, account["password_hash"] if account else None, request.password
        )
        notify_lock = None
        with self.db.begin() as conn:
            if ok and account["status"] == "active":
                conn.execute(
                    store.accounts.update()
                    .where(store.accounts.c.citizen_id == account["citizen_id"])
                    .values(failed_logins=0, last_failure_at=None, locked_until=None)
                )
                session_id = uuid7()
                conn.execute(
                    store.sessions.insert().values(
                        session_id=session_id, citizen_id=account["citizen_id"], created_at=now
                    )
                )
                store.record(conn, "login", instance_id=instance, subject=account["citizen_id"], source_key=source)
                return self._issue(conn, account["citizen_id"], session_id)
            if ok:
                raise failed_precondition("ACCOUNT_NOT_VERIFIED", "confirm your account with the code we sent first")
            self._count_source_failure(conn, source, src, now, rules)
            if account is not None:
                fresh_start = account["locked_until"] is not None and store.as_utc(account["locked_until"]) <= now
                failures = (0 if fresh_start else account["failed_logins"]) + 1
                locked_until = now + rules.lock_for if rules.locks_at(failures) else None
                conn.execute(
                    store.accounts.update()
                    .where(store.accounts.c.citizen_id == account["citizen_id"])
                    .values(failed_logins=failures, last_failure_at=now, locked_until=locked_until)
                )
                store.record(
                    conn,
                    "login.failed",
                    instance_id=instance,
                    subject=account["citizen_id"],
                    source_key=source,
                    failures=failures,
                )
                if locked_until is not None:
                    store.record(
                        conn, "account.locked", instance_id=instance, subject=account["citizen_id"], source_key=source
                    )
                    notify_lock = row
            else:
                store.record(conn, "login.failed", instance_id=instance, source_key=source, known=False)
        if notify_lock is not None:
            self._send_notice(notify_lock, "account_locked", int(rules.lock_for.total_seconds() // 60))
        raise unauthenticated("INVALID_CREDENTIALS", "this login and password do not match")

    def _count_source_failure(self, conn, source, src, now, rules) -> None:
        if src is None:
            conn.execute(store.source_failures.insert().values(source_key=source, failures=1, window_start=now))
        elif store.as_utc(src["window_start"]) + rules.source_window <= now:
            conn.execute(
                store.source_failures.update()
                .where(store.source_failures.c.source_key == source)
                .values(failures=1, window_start=now)
            )
        else:
            conn.execute(
                store.source_failures.update()
                .where(store.source_failures.c.source_key == source)
                .values(failures=store.source_failures.c.failures + 1)
            )

    @grpc
    def Refresh(self, request, context):
        self._allow(context, "account.access")
        token_hash = domain.hash_secret_fast(request.refresh_token or "")
        instance = current_instance()
        now = store.now()
        with self.db.begin() as conn:
            row = (
                conn.execute(
                    sa.select(store.refresh_tokens, store.sessions.c.citizen_id, store.sessions.c.revoked_at)
                    .join(store.sessions, store.sessions.c.session_id == store.refresh_tokens.c.session_id)
                    .where(store.refresh_tokens.c.token_hash == token_hash)
                )
                .mappings()
                .first()
            )
            if row is None or row["revoked_at"] is not None or store.as_utc(row["expires_at"]) < now:
                raise unauthenticated("REFRESH_TOKEN_INVALID", "this refresh token is not valid; sign in again")
            if row["used_at"] is not None:
                # A rotated-out token came back: someone holds a copy. End the whole family.
                conn.execute(
                    store.sessions.update()
                    .where(store.sessions.c.session_id == row["session_id"])
                    .values(revoked_at=now, revoked_reason="refresh_reuse")
                )
                store.record(conn, "refresh.reuse", instance_id=instance, subject=row["citizen_id"])
                reused = True
            else:
                reused = False
        if reused:
            raise unauthenticated(
                "REFRESH_TOKEN_REUSED", "this refresh token was already used; the session is ended, sign in again"
            )
        with self.db.begin() as conn:
            claimed = conn.execute(
                store.refresh_tokens.update()
                .where(
                    store.refresh_tokens.c.token_hash == token_hash,
                    store.refresh_tokens.c.used_at.is_(None),
                )
                .values(used_at=now)
            ).rowcount
            if claimed != 1:
                raise unauthenticated("REFRESH_TOKEN_REUSED", "this refresh token was already used")
            ended = conn.execute(
                sa.select(store.sessions.c.revoked_at).where(store.sessions.c.session_id == row["session_id"])
            ).scalar()
            if ended is not None:
                raise unauthenticated("REFRESH_TOKEN_INVALID", "this refresh token is not valid; sign in again")
            account = store.get_account(conn, row["citizen_id"])
            if account is None or account["status"] != "active":
                raise unauthenticated("REFRESH_TOKEN_INVALID", "this account cannot sign in")
            return self._issue(conn, row["citizen_id"], row["session_id"])

    @grpc
    def Logout(self, request, context):
        self._allow(context, "account.access")
        caller = self._caller(context)
        with self.db.begin() as conn:
            session_id = caller.session if caller.kind == "user" else ""
            if not session_id and request.refresh_token:
                session_id = (
                    conn.execute(
                        sa.select(store.refresh_tokens.c.session_id).where(
                            store.refresh_tokens.c.token_hash == domain.hash_secret_fast(request.refresh_token)
                        )
                    ).scalar()
                    or ""
                )
            if not session_id:
                raise unauthenticated("AUTHENTICATION_REQUIRED", "sign in to do this")
            conn.execute(
                store.sessions.update()
                .where(store.sessions.c.session_id == session_id, store.sessions.c.revoked_at.is_(None))
                .values(revoked_at=store.now(), revoked_reason="logout")
            )
            store.record(conn, "logout", instance_id=current_instance(), subject=caller.subject)
        return pb.Empty()

    @grpc
    def RequestPasswordReset(self, request, context):
        self._allow(context, "account.access")
        with self.db.begin() as conn:
            row = store.find_by_login(conn, request.login)
            account = store.get_account(conn, row["citizen_id"]) if row else None
            if account is None or account["status"] == "erased":
                return pb.Empty()  # same answer either way
            code = self._new_code(conn, account["citizen_id"], "reset")
            store.record(
                conn, "password_reset.requested", instance_id=current_instance(), subject=account["citizen_id"]
            )
        self._send_code(row, "reset", code)
        return pb.Empty()

    @grpc
    def ResetPassword(self, request, context):
        self._allow(context, "account.access")
        domain.check_password_rules(request.new_password)
        with self.db.connect() as conn:
            row = store.find_by_login(conn, request.login)
            account = store.get_account(conn, row["citizen_id"]) if row else None
        if account is None or account["status"] == "erased":
            raise invalid_argument("CODE_INVALID", "this code is not right", field="code")
        self._check_code(account["citizen_id"], "reset", request.code)
        password_hash = eventlet.tpool.execute(domain.hash_secret_slow, request.new_password)
        with self.db.begin() as conn:
            conn.execute(
                store.accounts.update()
                .where(store.accounts.c.citizen_id == account["citizen_id"])
                .values(
                    password_hash=password_hash,
                    failed_logins=0,
                    last_failure_at=None,
                    locked_until=None,
                    # the code reached the owner's mailbox, which proves the address as well
                    status="active" if account["status"] == "pending_verification" else account["status"],
                )
            )
            # A new password ends every session opened with the old one.
            conn.execute(
                store.sessions.update()
                .where(store.sessions.c.citizen_id == account["citizen_id"], store.sessions.c.revoked_at.is_(None))
                .values(revoked_at=store.now(), revoked_reason="password_reset")
            )
            store.record(conn, "password_reset", instance_id=current_instance(), subject=account["citizen_id"])
        return pb.Empty()

    # --- keys --------------------------------------------------------------------------------

    @grpc
    def GetTrustState(self, request, context):
        with self.db.begin() as conn:
            ensure_signing_key(conn, sealer())
            jwks, revoked = trust_state(conn)
        return pb.TrustState(jwks_json=json.dumps(jwks), revoked_session_ids=revoked)

    @grpc
    def RotateSigningKey(self, request, context):
        """stage: publish a new key; activate: sign with it (the old one stays published);
        retire: stop publishing keys retired longer than an access token lives (or now, with force)."""
        caller = self._caller(context)
        instance = current_instance()
        policy.require(caller, "signing_key.rotate", policy.Scope(instance))
        at = store.now()
        keys = store.signing_keys
        with self.db.begin() as conn:
            if request.step == "stage":
                conn.execute(keys.update().where(keys.c.status == "next").values(status="removed", retired_at=at))
                new_signing_key(conn, sealer(), domain.KEY_NEXT, at)
            elif request.step == "activate":
                staged = conn.execute(sa.select(keys.c.kid, keys.c.created_at).where(keys.c.status == "next")).first()
                if staged is None:
                    raise failed_precondition(
                        "NO_STAGED_KEY", "stage a key first, so verifiers know it before it signs"
                    )
                # Every verifier refreshes its cached JWKS within AUTH_STATE_MAX_AGE: signing
                # earlier would hand out tokens some services cannot check yet.
                wait = _config("KEY_STAGE_SECONDS", 5.0) - (at - store.as_utc(staged.created_at)).total_seconds()
                if wait > 0:
                    raise failed_precondition(
                        "KEY_STAGED_TOO_RECENTLY",
                        "the staged key is not yet known everywhere; try again shortly",
                        retry_after=int(wait) + 1,
                    )
                staged = staged.kid
                conn.execute(keys.update().where(keys.c.status == "active").values(status="retired", retired_at=at))
                conn.execute(keys.update().where(keys.c.kid == staged).values(status="active", activated_at=at))
            elif request.step == "retire":
                cutoff = at if request.force else at - dt.timedelta(seconds=_config("ACCESS_TOKEN_TTL", 300) + 60)
                conn.execute(
                    keys.update()
                    .where(keys.c.status == "retired", keys.c.retired_at <= cutoff)
                    .values(status="removed")
                )
            else:
                raise invalid_argument("STEP_INVALID", "step is stage, activate or retire", field="step")
            store.record(conn, "signing_key." + request.step, instance_id=instance, actor=caller.subject)
            rows = conn.execute(sa.select(keys.c.kid, keys.c.status).order_by(keys.c.created_at)).mappings().all()
        return pb.SigningKeys(keys=[pb.SigningKey(kid=r["kid"], status=r["status"]) for r in rows])

    @grpc
    def IntrospectToken(self, request, context):
        try:
            claims = self._verifier().verify(request.token)
        except TokenError as error:
            return pb.Introspection(active=False, reason=error.reason)
        return pb.Introspection(active=True, subject=claims["sub"])

    @grpc
    def IssueServiceToken(self, request, context):
        service = request.service.strip()
        master = service_identity.decode_master(_config("SERVICE_CREDENTIAL_MASTER", ""))
        if not master:
            raise failed_precondition(
                "SERVICE_IDENTITY_NOT_CONFIGURED",
                "this instance issues no service tokens (SERVICE_CREDENTIAL_MASTER is not set)",
            )
        with self.db.begin() as conn:
            if not service_identity.credential_matches(master, service, request.credential):
                store.record(conn, "service_token.refused", instance_id=current_instance(), subject=service[:64])
                refused = True
            else:
                token, ttl = service_token(conn, service)
                refused = False
        if refused:
            raise unauthenticated("SERVICE_CREDENTIAL_INVALID", "this service credential is not valid")
        return pb.ServiceToken(token=token, expires_in=ttl)

    # --- roles ---------------------------------------------------------------------------------

    @grpc
    def GrantRole(self, request, context):
        caller = self._caller(context)
        scope = scope_of(request.scope)
        policy.require(caller, "role.grant", scope, granted_role=request.role)
        problem = policy.check_binding(request.role, scope)
        if problem:
            raise invalid_argument(
                problem,
                f"the role {request.role} is bound to a {policy.ROLES[request.role].level}"
                if problem == "SCOPE_LEVEL_MISMATCH"
                else "no such role",
                field="role",
            )
        if policy.ROLES[request.role].machine:
            raise invalid_argument("MACHINE_ROLE", "machine roles are given to API keys", field="role")
        with self.db.begin() as conn:
            account = store.get_account(conn, request.citizen_id)
            if account is None or account["status"] != "active":
                raise not_found("ACCOUNT_NOT_FOUND", "no active account has this id")
            row = {
                "binding_id": uuid7(),
                "citizen_id": request.citizen_id,
                "role": request.role,
                "instance_id": scope.instance,
                "commune_code": scope.commune,
                "office_id": scope.office,
                "granted_by": caller.subject,
                "granted_at": store.now(),
            }
            conn.execute(store.role_bindings.insert().values(**row))
            self.events.add(
                conn,
                "role.granted",
                row["binding_id"],
                pb.RoleChanged(
                    binding_id=row["binding_id"],
                    citizen_id=row["citizen_id"],
                    role=row["role"],
                    scope=scope_message(scope),
                    actor=caller.subject,
                ),
                office_id=scope.office,
            )
            store.record(
                conn,
                "role.granted",
                instance_id=scope.instance,
                commune_code=scope.commune,
                office_id=scope.office,
                subject=request.citizen_id,
                actor=caller.subject,
                role=request.role,
            )
        return binding_message(row)

    @grpc
    def RevokeRole(self, request, context):
        caller = self._signed_in(context)
        with self.db.begin() as conn:
            row = (
                conn.execute(
                    sa.select(store.role_bindings).where(
                        store.role_bindings.c.binding_id == request.binding_id,
                        store.role_bindings.c.revoked_at.is_(None),
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                raise not_found("BINDING_NOT_FOUND", "no active role binding has this id")
            scope = row_scope(row)
            policy.require(caller, "role.revoke", scope, granted_role=row["role"])
            conn.execute(
                store.role_bindings.update()
                .where(store.role_bindings.c.binding_id == row["binding_id"])
                .values(revoked_at=store.now())
            )
            self.events.add(
                conn,
                "role.revoked",
                row["binding_id"],
                pb.RoleChanged(
                    binding_id=row["binding_id"],
                    citizen_id=row["citizen_id"],
                    role=row["role"],
                    scope=scope_message(scope),
                    actor=caller.subject,
                ),
                office_id=scope.office,
            )
            store.record(
                conn,
                "role.revoked",
                instance_id=scope.instance,
                commune_code=scope.commune,
                office_id=scope.office,
                subject=row["citizen_id"],
                actor=caller.subject,
                role=row["role"],
            )
        return binding_message(row)

    @grpc
    def ListRoles(self, request, context):
        caller = self._caller(context)
        scope = scope_of(request.scope)
        policy.require(caller, "role.read", scope)
        with self.db.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(store.role_bindings)
                    .where(_in_scope(store.role_bindings, scope), store.role_bindings.c.revoked_at.is_(None))
                    .order_by(store.role_bindings.c.granted_at)
                )
                .mappings()
                .all()
            )
        return pb.ListRolesReply(bindings=[binding_message(r) for r in rows])

    @grpc
    def ListSecurityEvents(self, request, context):
        caller = self._caller(context)
        scope = scope_of(request.scope)
        policy.require(caller, "audit.read", scope)
        limit = min(max(request.limit or 100, 1), 500)
        with self.db.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(store.security_events)
                    .where(_in_scope(store.security_events, scope))
                    .order_by(store.security_events.c.at.desc())
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return pb.AuditReply(
            events=[
                pb.SecurityEvent(
                    event_id=r["event_id"],
                    kind=r["kind"],
                    subject=r["subject"],
                    actor=r["actor"],
                    at=store.as_utc(r["at"]).isoformat(),
                    detail_json=r["detail"],
                )
                for r in rows
            ]
        )

    # --- API keys ------------------------------------------------------------------------------

    @grpc
    def CreateApiKey(self, request, context):
        caller = self._caller(context)
        scope = scope_of(request.scope)
        policy.require(caller, "api_key.manage", scope)
        role = request.role or "open311_client"
        if role not in policy.ROLES or not policy.ROLES[role].machine:
            raise invalid_argument("ROLE_INVALID", "an API key has a machine role", field="role")
        if policy.check_binding(role, scope):
            raise invalid_argument(
                "SCOPE_LEVEL_MISMATCH", f"the role {role} is bound to a {policy.ROLES[role].level}", field="scope"
            )
        key_id = uuid7()
        secret = domain.new_api_key_secret(key_id)
        label = " ".join((request.label or "").split())[:120]
        with self.db.begin() as conn:
            conn.execute(
                store.api_keys.insert().values(
                    key_id=key_id,
                    secret_hash=domain.hash_secret_fast(secret),
                    label=label,
                    role=role,
                    instance_id=scope.instance,
                    commune_code=scope.commune,
                    office_id=scope.office,
                    created_by=caller.subject,
                    created_at=store.now(),
                )
            )
            store.record(
                conn,
                "api_key.created",
                instance_id=scope.instance,
                commune_code=scope.commune,
                office_id=scope.office,
                subject=key_id,
                actor=caller.subject,
                role=role,
            )
        return pb.ApiKey(key_id=key_id, secret=secret, label=label, role=role, scope=scope_message(scope))

    @grpc
    def RevokeApiKey(self, request, context):
        caller = self._signed_in(context)
        with self.db.begin() as conn:
            row = (
                conn.execute(sa.select(store.api_keys).where(store.api_keys.c.key_id == request.key_id))
                .mappings()
                .first()
            )
            if row is None:
                raise not_found("API_KEY_NOT_FOUND", "no API key has this id")
            scope = row_scope(row)
            policy.require(caller, "api_key.manage", scope)
            conn.execute(
                store.api_keys.update().where(store.api_keys.c.key_id == row["key_id"]).values(revoked_at=store.now())
            )
            store.record(
                conn,
                "api_key.revoked",
                instance_id=scope.instance,
                commune_code=scope.commune,
                office_id=scope.office,
                subject=row["key_id"],
                actor=caller.subject,
            )
        return pb.ApiKey(
            key_id=row["key_id"], label=row["label"], role=row["role"], scope=scope_message(scope), revoked=True
        )

    @grpc
    def AuthenticateApiKey(self, request, context):
        self._allow(context, "api_key.authenticate")
        key_id = domain.api_key_id_of(request.secret)
        with self.db.begin() as conn:
            row = (
                conn.execute(sa.select(store.api_keys).where(store.api_keys.c.key_id == key_id)).mappings().first()
                if key_id
                else None
            )
            if (
                row is None
                or row["revoked_at"] is not None
                or row["secret_hash"] != domain.hash_secret_fast(request.secret)
            ):
                store.record(
                    conn,
                    "api_key.refused",
                    instance_id=current_instance(),
                    subject=row["key_id"] if row else "",
                    source_key=domain.source_key(request.source),
                )
                row = None
            else:
                at = store.now()
                conn.execute(store.api_keys.update().where(store.api_keys.c.key_id == key_id).values(last_used_at=at))
                scope = row_scope(row)
                store.record(
                    conn,
                    "api_key.used",
                    instance_id=scope.instance,
                    commune_code=scope.commune,
                    office_id=scope.office,
                    subject=key_id,
                    source_key=domain.source_key(request.source),
                )
        if row is None:
            raise unauthenticated("API_KEY_INVALID", "this API key is not valid or was revoked")
        return pb.MachineCaller(key_id=key_id, role=row["role"], scope=scope_message(scope))

    # --- data-subject rights (Law 09-08) ----------------------------------------------------------

    @grpc
    def RecordConsent(self, request, context):
        caller = self._user(context)
        purpose = (request.purpose or "").strip()
        if not purpose or len(purpose) > 64:
            raise invalid_argument("PURPOSE_REQUIRED", "name the purpose of the consent", field="purpose")
        with self.db.begin() as conn:
            conn.execute(
                store.consents.insert().values(
                    consent_id=uuid7(),
                    citizen_id=caller.subject,
                    purpose=purpose,
                    granted=request.granted,
                    recorded_at=store.now(),
                )
            )
            store.record(
                conn,
                "consent." + ("granted" if request.granted else "withdrawn"),
                instance_id=current_instance(),
                subject=caller.subject,
                purpose=purpose,
            )
        return pb.Empty()

    @grpc
    def Rectify(self, request, context):
        caller = self._user(context)
        with self.db.begin() as conn:
            current = store.get_citizen(conn, caller.subject)
            if current is None:
                raise not_found("CITIZEN_NOT_FOUND", "no such citizen")
            contact = domain.clean_contact(
                request.email or current["email"] or "",
                request.phone or current["phone"] or "",
                request.display_name or current["display_name"],
                request.language or current["language"],
            )
            try:
                conn.execute(
                    store.citizens.update()
                    .where(store.citizens.c.citizen_id == caller.subject)
                    .values(
                        email=contact.email or None,
                        phone=contact.phone or None,
                        display_name=contact.display_name,
                        language=contact.language,
                        updated_at=store.now(),
                    )
                )
            except sa.exc.IntegrityError:
                raise failed_precondition("CONTACT_TAKEN", "another account uses this e-mail or phone") from None
            store.record(conn, "rectified", instance_id=current_instance(), subject=caller.subject)
            row = store.get_citizen(conn, caller.subject)
        return citizen_message(row)

    @grpc
    def ExportMyData(self, request, context):
        caller = self._user(context)
        with self.db.connect() as conn:
            citizen = store.get_citizen(conn, caller.subject)
            account = store.get_account(conn, caller.subject)
            consents = (
                conn.execute(
                    sa.select(store.consents)
                    .where(store.consents.c.citizen_id == caller.subject)
                    .order_by(store.consents.c.recorded_at)
                )
                .mappings()
                .all()
            )
            bindings = store.active_bindings(conn, caller.subject)
            events = (
                conn.execute(
                    sa.select(store.security_events)
                    .where(store.security_events.c.subject == caller.subject)
                    .order_by(store.security_events.c.at)
                )
                .mappings()
                .all()
            )

        def when(value):
            return store.as_utc(value).isoformat() if value is not None else None

        data = {
            "contact": {k: citizen[k] for k in ("citizen_id", "email", "phone", "display_name", "language")}
            if citizen
            else None,
            "account": {
                "status": account["status"],
                "created_at": when(account["created_at"]),
                "verified_at": when(account["verified_at"]),
            }
            if account
            else None,
            "consents": [
                {"purpose": c["purpose"], "granted": c["granted"], "at": when(c["recorded_at"])} for c in consents
            ],
            "roles": [{"role": b["role"], "scope": row_scope(b).as_dict()} for b in bindings],
            "security_events": [{"kind": e["kind"], "at": when(e["at"])} for e in events],
        }
        return pb.ExportReply(json=json.dumps(data, ensure_ascii=False))

    @grpc
    def EraseMe(self, request, context):
        """Forget the person: contact fields cleared, credentials and sessions ended, the id kept
        as a bare pseudonym so other services' anonymised records and counts stay consistent."""
        caller = self._user(context)
        at = store.now()
        with self.db.begin() as conn:
            conn.execute(
                store.citizens.update()
                .where(store.citizens.c.citizen_id == caller.subject)
                .values(email=None, phone=None, display_name="", updated_at=at)
            )
            conn.execute(
                store.accounts.update()
                .where(store.accounts.c.citizen_id == caller.subject)
                .values(password_hash=None, status="erased")
            )
            conn.execute(
                store.sessions.update()
                .where(store.sessions.c.citizen_id == caller.subject, store.sessions.c.revoked_at.is_(None))
                .values(revoked_at=at, revoked_reason="erased")
            )
            conn.execute(store.one_time_codes.delete().where(store.one_time_codes.c.citizen_id == caller.subject))
            conn.execute(
                store.role_bindings.update()
                .where(store.role_bindings.c.citizen_id == caller.subject, store.role_bindings.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            self.events.add(conn, "user.erased", caller.subject, pb.UserErased(citizen_id=caller.subject))
            store.record(conn, "erased", instance_id=current_instance(), subject=caller.subject)
        return pb.AccountStatus(citizen_id=caller.subject, status="erased")


SERVICE = IdentityService
migrate = migrator("identity", store.metadata, after=prepare_signing_keys)
