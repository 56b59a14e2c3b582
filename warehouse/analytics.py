"""Analyst views in the `analytics` schema, each documented with a COMMENT."""

VIEWS = {
    "weekly_volume": (
        "Running volume per runner per ISO week (Monday start, local days): km, runs, time, "
        "load, easy/quality/long km.",
        """
        SELECT runner_id, week_start_date, iso_year, iso_week,
               round(actual_volume_km, 2) AS volume_km, run_count,
               round(total_duration_seconds / 3600, 2) AS hours,
               round(training_load, 1) AS training_load,
               round(easy_km, 2) AS easy_km, round(quality_km, 2) AS quality_km,
               round(long_run_km, 2) AS long_run_km, ending_state
        FROM coach.weekly_summaries
        """,
    ),
    "pmc": (
        "Performance management chart per runner and local day: daily load, CTL (fitness, "
        "42-day), ATL (fatigue, 7-day), TSB (form = yesterday's CTL - ATL), ACWR.",
        """
        SELECT runner_id, date, round(training_load, 1) AS daily_load,
               round(ctl, 2) AS ctl, round(atl, 2) AS atl, round(tsb, 2) AS tsb,
               round(acute_chronic_workload_ratio, 2) AS acwr
        FROM terra.daily_summaries
        """,
    ),
    "sleep_trends": (
        "Nightly sleep per runner (naps excluded) with 7-night rolling averages: hours "
        "asleep, efficiency %, deep and REM hours.",
        """
        SELECT runner_id, local_date,
               round(duration_asleep_seconds / 3600, 2) AS hours_asleep,
               round(avg(duration_asleep_seconds / 3600) OVER w, 2) AS hours_asleep_7d,
               round(sleep_efficiency, 1) AS efficiency,
               round(avg(sleep_efficiency) OVER w, 1) AS efficiency_7d,
               round(duration_deep_sleep_seconds / 3600, 2) AS deep_hours,
               round(duration_rem_sleep_seconds / 3600, 2) AS rem_hours,
               avg_hrv_sdnn_ms, avg_heart_rate_bpm
        FROM terra.sleep_sessions
        WHERE NOT is_nap
        WINDOW w AS (PARTITION BY runner_id ORDER BY local_date
                     ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
        """,
    ),
    "activity_sources": (
        "Which sources merged into each activity (source lineage): one row per contributing "
        "source and external id, with the source whose values won.",
        """
        SELECT a.runner_id, a.activity_id, a.local_date, a.activity_type,
               a.source AS winning_source, m.source AS contributing_source, m.external_id,
               m.source_file, len(a.merged_from) AS sources_merged
        FROM terra.activities a, unnest(a.merged_from) AS t(m)
        """,
    ),
    "plan_adherence": (
        "How closely each runner follows each plan, per plan week: running sessions planned "
        "(rest days excluded), how many were completed, modified, moved, skipped or are still "
        "pending, planned and actual km, compliance % (the share of the planned work done: "
        "each resolved session's completed share, capped at 1, weighted by its planned km, "
        "over the km of the resolved sessions; null while none is), actual km as % of the km "
        "planned for those resolved sessions, and the mean adherence score (0-1).",
        """
        WITH weeks AS (
            SELECT plan_id, name AS plan_name, status AS plan_status,
                   unnest(weekly_plan) AS week
            FROM plans.training_plans
        ),
        sessions AS (
            SELECT runner_id, plan_id, week_number, scheduled_date, distance_km,
                   actual_distance_km, adherence_score, completed_share,
                   coalesce(status, 'planned') AS status
            FROM plans.planned_sessions
            WHERE NOT coalesce(is_rest_day, false)
        ),
        per_week AS (
            SELECT runner_id, plan_id, week_number,
                   min(scheduled_date) AS first_session_date,
                   count(*) AS planned_sessions,
                   count(*) FILTER (WHERE status = 'completed') AS completed,
                   count(*) FILTER (WHERE status = 'modified') AS modified,
                   count(*) FILTER (WHERE status = 'moved') AS moved,
                   count(*) FILTER (WHERE status = 'skipped') AS skipped,
                   count(*) FILTER (WHERE status = 'planned') AS pending,
                   sum(distance_km) AS planned_km,
                   sum(distance_km) FILTER (WHERE status <> 'planned') AS resolved_planned_km,
                   sum(distance_km) FILTER (WHERE completed_share IS NOT NULL) AS due_km,
                   sum(distance_km * completed_share) AS done_km,
                   sum(actual_distance_km) AS actual_km,
                   avg(adherence_score) AS mean_adherence_score
            FROM sessions
            GROUP BY ALL
        )
        SELECT s.runner_id, s.plan_id, w.plan_name, w.plan_status, s.week_number,
               coalesce(w.week.start_date, s.first_session_date) AS week_start_date,
               w.week.phase AS phase, w.week.is_recovery_week AS is_recovery_week,
               s.planned_sessions, s.completed, s.modified, s.moved, s.skipped, s.pending,
               round(s.planned_km, 2) AS planned_km,
               round(coalesce(s.actual_km, 0), 2) AS actual_km,
               round(100 * s.done_km / nullif(s.due_km, 0), 1) AS compliance_percent,
               round(100 * coalesce(s.actual_km, 0) / nullif(s.resolved_planned_km, 0), 1)
                   AS volume_percent,
               round(s.mean_adherence_score, 2) AS mean_adherence_score
        FROM per_week s
        LEFT JOIN weeks w ON w.plan_id = s.plan_id AND w.week.week_number = s.week_number
        """,
    ),
    "quarantine_summary": (
        "Rejected input per runner, source and reason: how many, and the first and last "
        "time it was seen.",
        """
        SELECT runner_id, source, reason, count(*) AS rejections,
               count(DISTINCT source_file) AS files,
               min(rejected_at) AS first_seen, max(rejected_at) AS last_seen
        FROM quarantine.rejected
        GROUP BY ALL
        """,
    ),
}
