"""The one place that decides who may do what, where.

Roles are bound to a scope: an instance (the federated platform), a commune in it, or an
office in a commune. A binding covers its scope and everything under it, never a sibling
and never another instance. Actions are data: a service adding an action adds a row to
ACTIONS (or calls `register_action`) and asks `decide`/`require`; no service keeps its own
list of who may do what.
"""

from __future__ import annotations

import dataclasses

from cokit.refusals import permission_denied, unauthenticated

OFFICE, COMMUNE, INSTANCE = "office", "commune", "instance"


@dataclasses.dataclass(frozen=True)
class Scope:
    instance: str
    commune: str = ""
    office: str = ""

    @property
    def level(self) -> str:
        return OFFICE if self.office else COMMUNE if self.commune else INSTANCE

    def covers(self, target: "Scope") -> bool:
        if self.instance != target.instance:
            return False
        if self.commune and self.commune != target.commune:
            return False
        if self.office and self.office != target.office:
            return False
        return True

    def as_dict(self) -> dict:
        return {"instance": self.instance, "commune": self.commune, "office": self.office}


@dataclasses.dataclass(frozen=True)
class RoleBinding:
    role: str
    scope: Scope


@dataclasses.dataclass(frozen=True)
class Role:
    level: str  # the scope level a binding of this role names
    machine: bool = False


ROLES: dict[str, Role] = {
    "staff": Role(OFFICE),
    "office_manager": Role(OFFICE),
    "information_officer": Role(COMMUNE),
    "deputy_information_officer": Role(COMMUNE),
    "commune_admin": Role(COMMUNE),
    "national_admin": Role(INSTANCE),
    "auditor": Role(INSTANCE),
    "open311_client": Role(OFFICE, machine=True),
    "partner_instance": Role(INSTANCE, machine=True),
}

_OFFICE_READERS = frozenset(
    {
        "staff",
        "office_manager",
        "information_officer",
        "deputy_information_officer",
        "commune_admin",
        "national_admin",
        "auditor",
    }
)


@dataclasses.dataclass(frozen=True)
class Action:
    roles: frozenset[str]
    # Anyone, signed in or not, through the platform: a signed-in caller or a call relayed by
    # one of the instance's services. A bare call straight at a service port is refused.
    public: bool = False
    citizen: bool = False  # any verified account, on its own data only
    services: frozenset[str] = frozenset()  # platform services that may do it on their own behalf


ACTIONS: dict[str, Action] = {
    "ticket.submit": Action(frozenset(), public=True),
    "ticket.read": Action(_OFFICE_READERS),
    "ticket.queue.read": Action(_OFFICE_READERS),
    "role.read": Action(frozenset({"office_manager", "commune_admin", "national_admin", "auditor"})),
    "role.grant": Action(frozenset({"office_manager", "commune_admin", "national_admin"})),
    "role.revoke": Action(frozenset({"office_manager", "commune_admin", "national_admin"})),
    "audit.read": Action(frozenset({"office_manager", "commune_admin", "national_admin", "auditor"})),
    "api_key.manage": Action(frozenset({"commune_admin", "national_admin"})),
    "signing_key.rotate": Action(frozenset({"national_admin"})),
    "office.activity.record": Action(frozenset({"staff", "office_manager", "commune_admin", "national_admin"})),
    "self.data": Action(frozenset(), citizen=True),
    # An attachment's bytes: its owner (the citizen who filed it) or the office's readers.
    "attachment.read": Action(_OFFICE_READERS, citizen=True),
    "document.publish": Action(
        frozenset(
            {
                "staff",
                "office_manager",
                "information_officer",
                "deputy_information_officer",
                "commune_admin",
                "national_admin",
            }
        )
    ),
    # The files a citizen attaches to what they file: public, like the filing itself.
    "attachment.upload": Action(frozenset(), public=True),
    "attachment.erase": Action(frozenset({"national_admin"})),
    # Accounts: the credential in the request (password, code, refresh token) decides; the call
    # itself must come through the platform or from a signed-in caller.
    "account.access": Action(frozenset(), public=True),
    "api_key.authenticate": Action(frozenset(), services=frozenset({"gateway"})),
    # Contacts of people without an account (an anonymous or walk-in filing) and their reading
    # for delivery: never open to a bare call, since a contact is personal data.
    "citizen.upsert": Action(frozenset(), services=frozenset({"gateway"})),
    "citizen.read": Action(
        frozenset(
            {
                "staff",
                "office_manager",
                "information_officer",
                "deputy_information_officer",
                "commune_admin",
                "national_admin",
            }
        ),
        services=frozenset({"notifications", "gateway"}),
    ),
    "notification.preferences": Action(frozenset(), citizen=True, services=frozenset({"gateway"})),
    # One-time codes and security notices leave only when identity asks.
    "security.send": Action(frozenset(), services=frozenset({"identity"})),
    # What a timer does next, asked now: operators of the instance.
    "scheduler.run": Action(frozenset({"national_admin"})),
    # The registry.
    "office.create": Action(frozenset({"commune_admin", "national_admin"})),
    "office.manage": Action(frozenset({"commune_admin", "national_admin"})),
    "office.phase.change": Action(frozenset({"commune_admin", "national_admin"})),
    "catalogue.manage": Action(frozenset({"commune_admin", "national_admin"})),
    "calendar.manage": Action(frozenset({"national_admin"})),
    "territory.manage": Action(frozenset({"national_admin"})),
    "registry.import": Action(frozenset({"national_admin"})),
    # participation: the office's staff, its commune's admins and national admins run an office's
    # consultations and moderate its proposals; anyone takes part through the platform.
    "consultation.manage": Action(frozenset({"staff", "office_manager", "commune_admin", "national_admin"})),
    "proposal.moderate": Action(frozenset({"staff", "office_manager", "commune_admin", "national_admin"})),
    "consultation.take_part": Action(frozenset(), public=True),
    "participation.clock": Action(frozenset({"national_admin"})),
    "participation.subscribers": Action(frozenset(), services=frozenset({"notifications"})),
    "figures.report": Action(frozenset({"national_admin", "partner_instance"}), services=frozenset({"federation"})),
    # The federation: its directory and invitations (the instance's admins), the message log
    # (auditors too), the federation-wide figures (public), a pull asked now (admins).
    "federation.manage": Action(frozenset({"national_admin"})),
    "federation.read": Action(frozenset({"national_admin", "auditor"})),
    "federation.log.read": Action(frozenset({"national_admin", "auditor"})),
    "federation.figures.read": Action(frozenset(), public=True),
    "federation.pull": Action(frozenset({"national_admin"})),
    # A request moving between instances: what crosses, read, received and recorded by the
    # federation service alone.
    "ticket.transfer.move": Action(frozenset(), services=frozenset({"federation"})),
}

# Who may hand out which role (always within the granter's own scope).
GRANTABLE: dict[str, frozenset[str]] = {
    "office_manager": frozenset({"staff"}),
    "commune_admin": frozenset(
        {
            "staff",
            "office_manager",
            "information_officer",
            "deputy_information_officer",
            "open311_client",
        }
    ),
    "national_admin": frozenset(ROLES),
}


def register_action(name: str, roles, *, public: bool = False, citizen: bool = False) -> None:
    """For services that add their own actions (e.g. ticket.transition)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles for {name}: {sorted(unknown)}")
    ACTIONS[name] = Action(frozenset(roles), public=public, citizen=citizen)


@dataclasses.dataclass(frozen=True)
class Caller:
    subject: str  # account id (citizen_id) or API key id; '' when anonymous
    kind: str  # "user", "machine" or "anonymous"
    instance: str
    bindings: tuple[RoleBinding, ...] = ()
    session: str = ""
    relay: str = ""  # the platform service that relays the call (its verified token), or ''

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    @classmethod
    def anonymous(cls, instance: str) -> "Caller":
        return cls("", "anonymous", instance)

    @classmethod
    def from_claims(cls, claims: dict) -> "Caller":
        return cls(
            subject=claims["sub"],
            kind=claims.get("kind", "user"),
            instance=claims.get("ins", ""),
            bindings=tuple(binding_from_claim(b) for b in claims.get("roles", [])),
            session=claims.get("sid", ""),
        )


def binding_claim(binding: RoleBinding) -> dict:
    return {"r": binding.role, "i": binding.scope.instance, "c": binding.scope.commune, "o": binding.scope.office}


def binding_from_claim(claim: dict) -> RoleBinding:
    return RoleBinding(claim["r"], Scope(claim.get("i", ""), claim.get("c", ""), claim.get("o", "")))


@dataclasses.dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    via: RoleBinding | None = None


def check_binding(role: str, scope: Scope) -> str:
    """'' when `role` may be bound to `scope`, else the reason it may not."""
    if role not in ROLES:
        return "UNKNOWN_ROLE"
    if ROLES[role].level != scope.level:
        return "SCOPE_LEVEL_MISMATCH"
    return ""


def decide(caller: Caller, action: str, target: Scope, *, owner: str = "", granted_role: str = "") -> Decision:
    """May `caller` do `action` on something in `target`? Deny unless a rule allows."""
    rule = ACTIONS.get(action)
    if rule is None:
        return Decision(False, "UNKNOWN_ACTION")
    if rule.public:
        if caller.authenticated or caller.relay:
            return Decision(True, "PUBLIC")
        return Decision(False, "AUTHENTICATION_REQUIRED")
    if caller.relay and caller.relay in rule.services and not caller.authenticated:
        return Decision(True, "SERVICE")
    if not caller.authenticated:
        return Decision(False, "AUTHENTICATION_REQUIRED")
    if caller.instance and caller.instance != target.instance:
        return Decision(False, "OTHER_INSTANCE")
    if rule.citizen and owner and owner == caller.subject and caller.kind == "user":
        return Decision(True, "OWNER")
    for binding in caller.bindings:
        if binding.role not in rule.roles or not binding.scope.covers(target):
            continue
        if action in ("role.grant", "role.revoke") and granted_role not in GRANTABLE.get(binding.role, ()):
            continue
        return Decision(True, "ROLE", binding)
    return Decision(False, "NOT_ALLOWED")


def require(caller: Caller, action: str, target: Scope, **kwargs) -> Decision:
    decision = decide(caller, action, target, **kwargs)
    if decision.allowed:
        return decision
    if decision.reason == "AUTHENTICATION_REQUIRED":
        raise unauthenticated("AUTHENTICATION_REQUIRED", "sign in to do this")
    raise permission_denied(
        "NOT_ALLOWED",
        f"your roles do not allow {action} here",
        action=action,
    )


def own_data_subject(caller: Caller, asked: str = "") -> str:
    """The person whose own data a call reads: the verified caller (a user account). A call
    naming someone else (`asked`) is refused, whatever the caller's roles."""
    if not caller.authenticated:
        raise unauthenticated("AUTHENTICATION_REQUIRED", "sign in to do this")
    if caller.kind != "user" or not caller.subject:
        raise permission_denied("CITIZENS_ONLY", "only a signed-in person reads their own data")
    decision = decide(caller, "self.data", Scope(caller.instance), owner=asked or caller.subject)
    if not decision.allowed:
        raise permission_denied("NOT_YOUR_DATA", "a person reads only their own data")
    return caller.subject
