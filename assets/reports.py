"""The `exports/runner_reports` asset: per runner a PMC chart, the active plan's progression
and the runner-snapshot radar as PNG files under `$CADENCE_HOME/reports/<runner_id>/`,
shown in the asset's metadata so the Dagster UI displays them."""

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from assets.ingest import WAREHOUSE_POOL
from assets.layers import runners_built_result, runners_built_spec
from assets.resources import CadenceHomeResource
from transforms.charts import plan_progression_chart, pmc_chart, snapshot_radar_chart
from warehouse.active_plans import active_plans
from warehouse.connection import open_warehouse, read_table, table_exists
from warehouse.contracts import contract
from warehouse.publish import write_atomically
from warehouse.runner_builds import RunnerFailure, runner_failure
from warehouse.settings import CadenceHome

DAILY_SUMMARIES = contract("terra.daily_summaries")
ROADMAPS = contract("plans.roadmaps")
MILESTONES = contract("plans.milestones")

CHARTS = {
    "pmc": "Fitness, fatigue and form (PMC)",
    "plan_progression": "Plan progression",
    "snapshot_radar": "Runner snapshot",
}
"""File stem of each chart and its heading."""
RUNNERS_EMBEDDED = 5
"""Runners whose charts are embedded in the metadata (about 0.12 MB each as base64); the
others are listed with their file paths, so the event log stays small for a large fleet."""


@dataclass
class RunnerReport:
    runner_id: str
    name: str
    charts: dict[str, Path] = field(default_factory=dict)
    """Chart stem -> PNG written."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Chart stem -> why it was not drawn."""


@dataclass
class RunnerReports:
    folder: Path
    runners: list[RunnerReport]
    failures: list[RunnerFailure] = field(default_factory=list)
    """Runners whose charts could not be drawn (their earlier files stay)."""

    @property
    def chart_count(self) -> int:
        return sum(len(r.charts) for r in self.runners)

    def markdown(self, embedded: int = RUNNERS_EMBEDDED) -> str:
        """The charts of the first `embedded` runners as inline images, then a table of
        every runner's files and skipped charts."""
        sections = []
        for report in self.runners[:embedded]:
            sections.append(f"### {report.name} (`{report.runner_id}`)")
            for stem, path in report.charts.items():
                encoded = base64.b64encode(path.read_bytes()).decode("ascii")
                sections.append(f"![{CHARTS[stem]}](data:image/png;base64,{encoded})")
            sections += [f"*{CHARTS[stem]}: {why}*" for stem, why in report.skipped.items()]
        rows = ["| runner | charts | not drawn |", "|---|---|---|"]
        for report in self.runners:
            files = ", ".join(
                f"`{path.relative_to(self.folder)}`" for path in report.charts.values()
            )
            missing = "; ".join(f"{stem}: {why}" for stem, why in report.skipped.items())
            rows.append(f"| {report.runner_id} | {files} | {missing} |")
        return "\n\n".join([*sections, "\n".join(rows)])


@dataclass(frozen=True)
class RunnerRows:
    """What a runner's charts are drawn from besides their plan."""

    daily: pl.DataFrame
    roadmap: list[dict[str, Any]]
    milestones: list[dict[str, Any]]


def _draw(
    stem: str, runner_id: str, name: str, rows: RunnerRows, plan: dict[str, Any] | None
) -> bytes:
    daily = rows.daily
    if stem == "pmc":
        return pmc_chart(daily, f"Fitness, fatigue and form · {name} ({runner_id})")
    if plan is None:
        raise ValueError("no active plan")
    if stem == "plan_progression":
        return plan_progression_chart(
            plan["weekly_plan"] or [],
            f"{plan['name']} · weekly volume and hard share",
            plan["race_date"],
            rows.roadmap,
            rows.milestones,
        )
    made = plan["generated_at"].date() if plan["generated_at"] else plan["start_date"]
    return snapshot_radar_chart(
        plan["runner_snapshot"] or {},
        f"Runner snapshot · {name}, {made}",
        has_race=plan["race_date"] is not None,
    )


def write_runner_reports(home: CadenceHome, runner_ids: list[str] | None = None) -> RunnerReports:
    """Draw every runner's charts (or only `runner_ids`'), reading the warehouse read-only,
    and write them to `home.reports/<runner_id>/<chart>.png`. A chart with nothing to draw
    (no daily summaries yet, no active plan) is skipped with the reason, and its stale file
    from an earlier run is removed. A runner whose charts fail for any other reason is a
    failure of that runner alone."""
    if not home.warehouse.exists():
        raise ValueError(f"no warehouse at {home.warehouse}; run `cadence materialize` first")
    reports = []
    with open_warehouse(home.warehouse, read_only=True) as con:
        runners = con.execute(
            "SELECT runner_id, coalesce(identity.name, runner_id) FROM coach.runners "
            "WHERE $ids IS NULL OR runner_id IN (SELECT unnest($ids)) ORDER BY runner_id",
            {"ids": runner_ids},
        ).fetchall()
        plans = {p["runner_id"]: p for p in active_plans(con, runner_ids).to_dicts()}
        has_roadmaps = all(table_exists(con, t.qualified_name) for t in (ROADMAPS, MILESTONES))
        failures = []
        for runner_id, name in runners:
            mine = ("runner_id = ?", [runner_id])
            rows = RunnerRows(
                read_table(con, DAILY_SUMMARIES, *mine),
                *(
                    # a warehouse opened read-only before the roadmap tables has none
                    read_table(con, table, *mine).to_dicts() if has_roadmaps else []
                    for table in (ROADMAPS, MILESTONES)
                ),
            )
            try:
                reports.append(_draw_runner(home.reports / runner_id, runner_id, name, rows, plans))
            except Exception as error:
                failures.append(runner_failure(runner_id, "reports", error))
    return RunnerReports(home.reports, reports, failures)


def _draw_runner(
    folder: Path,
    runner_id: str,
    name: str,
    rows: RunnerRows,
    plans: dict[str, dict[str, Any]],
) -> RunnerReport:
    report = RunnerReport(runner_id, name)
    folder.mkdir(parents=True, exist_ok=True)
    for stem in CHARTS:
        path = folder / f"{stem}.png"
        try:
            png = _draw(stem, runner_id, name, rows, plans.get(runner_id))
        except ValueError as error:
            report.skipped[stem] = str(error)
            path.unlink(missing_ok=True)
            continue
        write_atomically(path, png)
        report.charts[stem] = path
    return report


REPORTS_KEY = dg.AssetKey(["exports", "runner_reports"])


@dg.asset(
    key=REPORTS_KEY,
    deps=[dg.AssetKey(["terra", "daily_summaries"]), dg.AssetKey(["plans", "training_plans"])],
    group_name="exports",
    description="Pictures per runner: fitness/fatigue/form over time (PMC), the active plan's "
    "weekly volume and intensity with recovery weeks and race day, and the runner-snapshot "
    "radar; PNG files under reports/<runner_id>/, shown here.",
    kinds={"polars", "duckdb", "matplotlib"},
    owners=["team:cadence"],
    pool=WAREHOUSE_POOL,
    check_specs=[runners_built_spec(REPORTS_KEY, "reports")],
)
def runner_reports(context: dg.AssetExecutionContext, cadence: CadenceHomeResource):
    # In the warehouse pool although it mostly reads: a read-only DuckDB connection cannot
    # open the file while another run holds it for writing.
    reports = write_runner_reports(cadence.home)
    with cadence.warehouse() as con:
        check = runners_built_result(
            con, REPORTS_KEY, len(reports.runners), reports.failures, context.run_id
        )
    yield dg.MaterializeResult(
        asset_key=REPORTS_KEY,
        metadata={
            "charts": reports.chart_count,
            "runners": len(reports.runners),
            "folder": dg.MetadataValue.path(str(reports.folder)),
            "preview": dg.MetadataValue.md(reports.markdown()),
        },
    )
    yield check
