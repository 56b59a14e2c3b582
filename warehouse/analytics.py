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
