"""`cadence sql`: one way in for analysts, read-only, without a DuckDB CLI installed."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

console = Console(width=max(Console().width, 110))
SHELL_PROMPT = "cadence sql> "
SHELL_END = (".quit", ".exit", r"\q")


def readable_warehouse(home: CadenceHome) -> Path:
    """The published copy when a run has published one (runs may be writing the warehouse
    meanwhile), else the warehouse itself."""
    if home.published.exists():
        return home.published
    if home.warehouse.exists():
        return home.warehouse
    raise FileNotFoundError(
        f"no warehouse at {home.warehouse} yet: run `cadence demo` or `cadence materialize`"
    )


def sql(
    query: Annotated[
        str | None, typer.Argument(help="The query; without one, a shell reads queries.")
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """Run a read-only SQL query on the warehouse (its published copy when there is one)."""
    path = readable_warehouse(CadenceHome.from_env())
    with open_warehouse(path, read_only=True) as con:
        if query is not None:
            _print(con, query, as_csv, sys.stdout)
            return
        console.print(f"Read-only on {path}; end a query with ';', leave with .quit")
        for statement in _statements(sys.stdin, interactive=sys.stdin.isatty()):
            try:
                _print(con, statement, as_csv, sys.stdout)
            except duckdb.Error as error:
                console.print(f"[red]{str(error).splitlines()[0]}[/red]")


def _statements(lines: TextIO, *, interactive: bool) -> Any:
    """Statements read from `lines`, each ending with ';' (a last one may lack it)."""
    pending: list[str] = []
    while True:
        if interactive:
            console.print(SHELL_PROMPT if not pending else "...> ", end="")
        line = lines.readline()
        if not line:
            break
        if not pending and line.strip() in SHELL_END:
            return
        pending.append(line)
        if line.rstrip().endswith(";"):
            yield "".join(pending)
            pending = []
    if "".join(pending).strip():
        yield "".join(pending)


def _print(con: duckdb.DuckDBPyConnection, query: str, as_csv: bool, out: TextIO) -> None:
    cursor = con.execute(query)
    if cursor.description is None:  # a statement that returns nothing
        return
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    if as_csv:
        writer = csv.writer(out)
        writer.writerow(names)
        writer.writerows(rows)
        return
    table = Table(*names, caption=f"{len(rows)} row{'s' if len(rows) != 1 else ''}")
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    console.print(table)
