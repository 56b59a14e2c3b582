"""`uv run python -m benchmarks [SUITE ...]`: run the suites and print one table."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from benchmarks import derive, fit, foundation, healthkit, plans, strava

SUITES = {
    foundation.SUITE: foundation.run,
    strava.SUITE: strava.run,
    healthkit.SUITE: healthkit.run,
    derive.SUITE: derive.run,
    fit.SUITE: fit.run,
    plans.SUITE: plans.run,
}


def main(names: list[str]) -> None:
    unknown = set(names) - set(SUITES)
    if unknown:
        sys.exit(f"unknown suite(s) {', '.join(sorted(unknown))}; known: {', '.join(SUITES)}")
    table = Table(title="Cadence benchmarks (median of runs)")
    for column in ("suite", "case", "figure", "unit", "runs", "note"):
        table.add_column(column, justify="right" if column in ("figure", "runs") else "left")
    console = Console(width=140)
    for name in names or list(SUITES):
        with console.status(f"running {name}..."):
            results = SUITES[name]()
        for r in results:
            table.add_row(
                r.suite,
                r.case,
                f"{r.figure:,.3g}" if r.figure < 100 else f"{r.figure:,.0f}",
                r.unit,
                str(r.runs),
                r.note,
            )
    console.print(table)


if __name__ == "__main__":
    main(sys.argv[1:])
