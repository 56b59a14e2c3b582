import datetime as dt

from tests.plan_rows import insert_plan, plan_row, session_rows
from warehouse.active_plans import active_plans, plan_sessions


def test_the_latest_generated_active_plan_is_the_runners_plan(con):
    older = plan_row("ana", "plan-old", generated_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
    newer = plan_row("ana", "plan-new", generated_at=dt.datetime(2026, 8, 2, tzinfo=dt.UTC))
    draft = plan_row(
        "ana", "plan-draft", status="draft", generated_at=dt.datetime(2026, 8, 3, tzinfo=dt.UTC)
    )
    paused = plan_row("ben", "plan-ben", status="paused")
    for plan in (older, newer, draft, paused):
        insert_plan(con, plan, session_rows(plan))
    assert active_plans(con)["plan_id"].to_list() == ["plan-new"]
    assert active_plans(con, ["ben"]).is_empty()
    assert active_plans(con, ["ana", "ben"])["runner_id"].to_list() == ["ana"]


def test_plan_sessions_are_in_date_order(con):
    plan = plan_row()
    insert_plan(con, plan, list(reversed(session_rows(plan))))
    days = plan_sessions(con, plan["plan_id"])["scheduled_date"].to_list()
    assert days == sorted(days) and len(days) == 28
    assert plan_sessions(con, "no-such-plan").is_empty()
