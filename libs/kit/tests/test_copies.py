"""cokit.copies: answers kept per process, dropped on a change, never kept when a drop raced them."""

import pytest

from cokit.copies import Copies


def test_kept_until_the_time_to_live_or_a_drop():
    clock = [0.0]
    copies = Copies(ttl=60.0, clock=lambda: clock[0])
    calls = []

    def fetch():
        calls.append(1)
        return len(calls)

    assert copies.get("tetouan", fetch) == 1
    assert copies.get("tetouan", fetch) == 1
    clock[0] = 61.0
    assert copies.get("tetouan", fetch) == 2
    copies.drop()
    assert copies.get("tetouan", fetch) == 3
    assert len(calls) == 3


def test_a_drop_can_spare_some_copies():
    copies = Copies(ttl=60.0)
    copies.get("a", lambda: "office-a")
    copies.get("b", lambda: "office-b")
    copies.drop(keep=lambda key, value: value != "office-a")
    assert copies.get("a", lambda: "again") == "again"
    assert copies.get("b", lambda: "again") == "office-b"


def test_an_answer_fetched_across_a_drop_is_returned_but_not_kept():
    copies = Copies(ttl=60.0)

    def fetch_while_changed():
        copies.drop()  # the change's event arrives while the answer is on its way
        return "maybe old"

    assert copies.get("k", fetch_while_changed) == "maybe old"
    assert copies.get("k", lambda: "new") == "new"


def test_errors_are_not_kept():
    copies = Copies(ttl=60.0)

    def failing():
        raise LookupError("not found")

    with pytest.raises(LookupError):
        copies.get("k", failing)
    assert copies.get("k", lambda: "found") == "found"
