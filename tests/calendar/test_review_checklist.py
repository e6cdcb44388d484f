"""The reviews' action-item checklist as an engine step: a click becomes the clicker's own ticks and
unticks as compare-and-set writes with audit rows and an edit of the checklist message; values that
are not the bot's are refused; a tick someone else made first voids the second."""

from datetime import datetime, timezone

import pytest

from bot.calendar.checklist import TICK, ReviewChecklists, checklist_key, item_ref
from bot.clock import ManualClock
from bot.interactions import Click
from bot.state import Store

KEY = "review:cost-review:1740992400"
ITEMS = ("Action items", ("Submit savings recommendations", "Request budget adjustment if needed"))


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "db")
    yield opened
    opened.close()


@pytest.fixture
def checklists(store):
    clock = ManualClock(datetime(2025, 3, 3, 18, tzinfo=timezone.utc))
    return ReviewChecklists(store, "C0PLATFORM", clock, "operator", lambda key: ITEMS if key == KEY else None)


def click(selected=(), before=(), role="operator", user="U0OPS1") -> Click:
    return Click(
        TICK, "", user, "C0PLATFORM", None, selected=tuple(selected), role=role, ticked_before=tuple(before)
    )


@pytest.mark.parametrize(
    "value",
    [
        "review:x:1|²",
        "review:x:1|100",
        "incident-7|1",
        "review:x:1",
        "review:" + "x" * 150 + "|1",
        "PINC001|0",
    ],
)
def test_values_the_bot_did_not_write_are_not_item_references(value):
    assert item_ref(value) is None


def test_a_tick_is_a_compare_and_set_write_with_an_audit_row_and_an_edit_of_the_checklist(checklists, store):
    fx = checklists.on_tick(click([f"{KEY}|1"]))
    assert [w.what for w in fx.writes] == [f"incident {KEY}: tick 1"] and fx.writes[0].expect == 1
    assert [(a.verb, a.args, a.outcome) for a in fx.audit] == [
        ("review checklist", "Action items: Request budget adjustment if needed", "ticked")
    ]
    [edit] = fx.posts
    assert (edit.method, edit.key, edit.body["text"]) == (
        "chat.update",
        checklist_key(KEY),
        "Action items (1/2 done)",
    )
    assert store.commit(fx, 0) is not None
    assert store.commit(fx, 0) is None  # someone was quicker: the second step is void


def test_unticking_removes_only_what_the_clicker_unticked(checklists, store):
    store.commit(checklists.on_tick(click([f"{KEY}|0", f"{KEY}|1"])), 0)
    fx = checklists.on_tick(click([f"{KEY}|1"], before=[f"{KEY}|0", f"{KEY}|1"], user="U0OPS2"))
    store.commit(fx, 0)
    assert set(store.ticks(KEY)) == {1}


def test_a_viewer_and_a_click_on_another_reviews_items_change_nothing(checklists):
    assert checklists.on_tick(click([f"{KEY}|0"], role="viewer")).reply.startswith(
        "Ticking a review's action items needs the operator role (yours: viewer)"
    )
    fx = checklists.on_tick(click(["review:gone:1|0"]))
    assert (
        fx.empty
        and fx.reply == "That checklist belongs to a review the bot no longer knows; nothing changed."
    )
    assert checklists.on_tick(click([f"{KEY}|0", "review:other:2|1"])).empty
