"""The shared policy: roles bound to scopes, deny unless a rule allows."""

from __future__ import annotations

import pytest

from cokit.auth.policy import (
    ACTIONS,
    Caller,
    RoleBinding,
    Scope,
    check_binding,
    decide,
    register_action,
    require,
)
from cokit.errors import status_code
from cokit.refusals import Refusal

TETOUAN = Scope("ma", "tetouan", "office-tetouan")
TETOUAN_ANNEX = Scope("ma", "tetouan", "office-tetouan-annex")  # same commune, other office
MARTIL = Scope("ma", "martil", "office-martil")
PARTNER = Scope("tn", "tunis", "office-tunis")


def caller(role, scope, instance="ma"):
    return Caller("u1", "user", instance, (RoleBinding(role, scope),))


def test_office_staff_act_on_their_office_only():
    staff = caller("staff", TETOUAN)
    assert decide(staff, "ticket.read", TETOUAN).allowed
    assert not decide(staff, "ticket.read", TETOUAN_ANNEX).allowed
    assert not decide(staff, "ticket.read", MARTIL).allowed


def test_commune_roles_cover_every_office_of_their_commune():
    officer = caller("information_officer", Scope("ma", "tetouan"))
    assert decide(officer, "ticket.read", TETOUAN).allowed
    assert decide(officer, "ticket.read", TETOUAN_ANNEX).allowed
    assert not decide(officer, "ticket.read", MARTIL).allowed


def test_instance_roles_stop_at_the_instance_border():
    admin = caller("national_admin", Scope("ma"))
    assert decide(admin, "role.grant", MARTIL, granted_role="commune_admin").allowed
    assert decide(admin, "ticket.read", PARTNER).reason == "OTHER_INSTANCE"
    foreign = Caller("u2", "user", "tn", (RoleBinding("national_admin", Scope("tn")),))
    assert not decide(foreign, "ticket.read", TETOUAN).allowed


def test_granters_hand_out_only_their_grantable_roles():
    manager = caller("office_manager", TETOUAN)
    assert decide(manager, "role.grant", TETOUAN, granted_role="staff").allowed
    assert not decide(manager, "role.grant", TETOUAN, granted_role="office_manager").allowed
    assert not decide(manager, "role.grant", TETOUAN, granted_role="national_admin").allowed


def test_auditors_read_but_never_write():
    auditor = caller("auditor", Scope("ma"))
    assert decide(auditor, "audit.read", MARTIL).allowed
    for action in ("role.grant", "role.revoke", "api_key.manage", "signing_key.rotate", "office.activity.record"):
        assert not decide(auditor, action, MARTIL, granted_role="staff").allowed


def test_anonymous_unknown_and_public():
    anonymous = Caller.anonymous("ma")
    # Public means through the platform: a bare anonymous call is refused, a relayed one is not.
    assert decide(anonymous, "ticket.submit", TETOUAN).reason == "AUTHENTICATION_REQUIRED"
    assert decide(Caller("", "anonymous", "ma", relay="gateway"), "ticket.submit", TETOUAN).allowed
    assert decide(anonymous, "ticket.read", TETOUAN).reason == "AUTHENTICATION_REQUIRED"
    assert decide(caller("national_admin", Scope("ma")), "no.such.action", TETOUAN).reason == "UNKNOWN_ACTION"


def test_require_raises_statuses_the_gateway_maps():
    with pytest.raises(Refusal) as err:
        require(Caller.anonymous("ma"), "ticket.read", TETOUAN)
    assert status_code(err.value).name == "UNAUTHENTICATED"
    with pytest.raises(Refusal) as err:
        require(caller("staff", MARTIL), "ticket.read", TETOUAN)
    assert status_code(err.value).name == "PERMISSION_DENIED" and err.value.reason == "NOT_ALLOWED"


def test_bindings_name_the_level_their_role_lives_at():
    assert check_binding("staff", TETOUAN) == ""
    assert check_binding("staff", Scope("ma", "tetouan")) == "SCOPE_LEVEL_MISMATCH"
    assert check_binding("commune_admin", Scope("ma", "tetouan")) == ""
    assert check_binding("emperor", Scope("ma")) == "UNKNOWN_ROLE"


def test_services_register_their_own_actions():
    register_action("ticket.transition.test", {"staff", "office_manager"})
    try:
        assert decide(caller("staff", TETOUAN), "ticket.transition.test", TETOUAN).allowed
        with pytest.raises(ValueError):
            register_action("x", {"no_such_role"})
    finally:
        ACTIONS.pop("ticket.transition.test")


def test_claims_round_trip():
    claims = {
        "sub": "u1",
        "sid": "s",
        "ins": "ma",
        "kind": "user",
        "roles": [{"r": "staff", "i": "ma", "c": "tetouan", "o": "office-tetouan"}],
    }
    assert Caller.from_claims(claims).bindings == (RoleBinding("staff", TETOUAN),)


def test_an_attachment_is_read_by_its_owner_or_the_offices_readers():
    owner = Caller("cit-1", "user", "ma")
    assert decide(owner, "attachment.read", TETOUAN, owner="cit-1").reason == "OWNER"
    assert not decide(Caller("cit-2", "user", "ma"), "attachment.read", TETOUAN, owner="cit-1").allowed
    assert not decide(owner, "attachment.read", TETOUAN, owner="").allowed
    assert decide(caller("staff", TETOUAN), "attachment.read", TETOUAN, owner="cit-1").allowed
    assert not decide(caller("staff", MARTIL), "attachment.read", TETOUAN, owner="cit-1").allowed
    assert decide(caller("information_officer", Scope("ma", "tetouan")), "attachment.read", TETOUAN).allowed
    assert decide(Caller.anonymous("ma"), "attachment.read", TETOUAN, owner="cit-1").reason == "AUTHENTICATION_REQUIRED"
    assert not decide(caller("staff", TETOUAN), "document.publish", MARTIL).allowed
    assert decide(caller("staff", TETOUAN), "document.publish", TETOUAN).allowed


def test_own_data_is_the_verified_callers_only():
    from cokit.auth.policy import own_data_subject

    me = Caller("cit-1", "user", "ma")
    assert own_data_subject(me) == own_data_subject(me, "cit-1") == "cit-1"
    for who, asked, reason in [
        (me, "cit-2", "NOT_YOUR_DATA"),
        (Caller.anonymous("ma"), "", "AUTHENTICATION_REQUIRED"),
        (Caller("key-1", "machine", "ma"), "cit-1", "CITIZENS_ONLY"),
    ]:
        with pytest.raises(Refusal) as err:
            own_data_subject(who, asked)
        assert err.value.reason == reason
