"""The verified caller mapped to the workflow's actors: role bindings by scope, the requester,
and the refusals (each PERMISSION_DENIED or UNAUTHENTICATED with its reason)."""

from __future__ import annotations

import pytest

from cokit.auth.policy import Caller, RoleBinding, Scope
from cokit.refusals import Kind, Refusal
from tickets import callers, workflow

TETOUAN = Scope("ma", "tetouan-commune", "tetouan")
MARTIL = Scope("ma", "martil-commune", "martil")


def user(subject, *bindings, instance="ma"):
    return Caller(subject, "user", instance, tuple(RoleBinding(r, s) for r, s in bindings))


def refusal(fn, *args):
    with pytest.raises(Refusal) as err:
        fn(*args)
    return err.value.kind, err.value.reason


def test_office_roles_most_specific_first_and_only_where_they_reach():
    caller = user(
        "a1",
        ("commune_admin", Scope("ma", "tetouan-commune")),
        ("staff", TETOUAN),
        ("national_admin", Scope("ma")),
        ("auditor", Scope("ma")),
    )
    assert callers.roles_at(caller, TETOUAN) == ["staff", "commune_admin", "national_admin"]
    assert callers.roles_at(caller, MARTIL) == ["national_admin"]
    assert callers.roles_at(user("x", ("staff", TETOUAN), instance="tn"), TETOUAN) == []


def test_a_clerk_of_tetouan_is_refused_on_a_martil_request():
    clerk = user("clerk", ("staff", TETOUAN))
    step = workflow.machine_for("complaint").transition("acknowledge")
    assert callers.actor_for(clerk, TETOUAN, "", step.actors, "x") == workflow.Actor("clerk", "staff")
    assert refusal(callers.actor_for, clerk, MARTIL, "", step.actors, "x") == (Kind.DENIED, "OUTSIDE_YOUR_SCOPE")


def test_the_workflow_decides_which_of_the_callers_roles_acts():
    officer = user("o1", ("information_officer", Scope("ma", "tetouan-commune")), ("staff", TETOUAN))
    extend = workflow.machine_for("information_request").transition("extend")
    assert callers.actor_for(officer, TETOUAN, "", extend.actors, "x").role == "information_officer"
    clerk = user("c1", ("staff", TETOUAN))
    assert refusal(callers.actor_for, clerk, TETOUAN, "", extend.actors, "x") == (Kind.DENIED, "ACTOR_NOT_ALLOWED")


def test_a_citizen_acts_only_on_their_own_request_and_never_as_the_system():
    appeal = workflow.machine_for("information_request").transition("appeal")
    me = user("citizen-1")
    assert callers.actor_for(me, TETOUAN, "citizen-1", appeal.actors, "x") == workflow.Actor("citizen-1", "citizen")
    assert refusal(callers.actor_for, me, TETOUAN, "citizen-2", appeal.actors, "x") == (Kind.DENIED, "NOT_YOUR_REQUEST")
    # An anonymous ticket has no requester to match.
    assert refusal(callers.actor_for, user(""), TETOUAN, "", appeal.actors, "x")[0] == Kind.DENIED
    machine = Caller("key-1", "machine", "ma", (RoleBinding("open311_client", TETOUAN),))
    assert refusal(callers.actor_for, machine, TETOUAN, "key-1", appeal.actors, "x")[0] == Kind.DENIED
    refuse = workflow.machine_for("information_request").transition("refuse_implicitly")
    admin = user("n1", ("national_admin", Scope("ma")), ("commune_admin", Scope("ma", "tetouan-commune")))
    assert refusal(callers.actor_for, admin, TETOUAN, "", refuse.actors, "x")[1] == "ACTOR_NOT_ALLOWED"


def test_anonymous_callers_must_sign_in():
    anonymous = Caller.anonymous("ma")
    assert refusal(callers.staff_actor, anonymous, TETOUAN, "x") == (Kind.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED")
    assert refusal(callers.citizen_actor, anonymous, "x") == (Kind.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED")
    assert callers.citizen_actor(user("c9"), "x") == workflow.Actor("c9", "citizen")


def test_queues_reach_the_offices_of_the_callers_bindings():
    offices = [TETOUAN, MARTIL]
    assert callers.reachable_offices(user("c", ("staff", TETOUAN)), offices) == ["tetouan"]
    assert callers.reachable_offices(user("a", ("auditor", Scope("ma"))), offices) == ["tetouan", "martil"]
    assert callers.reachable_offices(user("c"), offices) == []
