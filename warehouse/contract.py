"""The vocabulary table contracts are written in.

A contract is the single place that spells a column: its name, Polars dtype,
meaning, unit, allowed values and range. From it we derive the pandera schema
(validation, including checks on fields nested inside STRUCT and LIST columns),
the DuckDB DDL with COMMENTs, and the list of leaf fields used for data
completeness. A STRUCT may also declare the seed's names for fields it spells otherwise
(`seed_names`), so input written with the seed's vocabulary lands in the one column.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

UTC_INSTANT = pl.Datetime("us", "UTC")
"""Every instant in the warehouse: microseconds, normalised to UTC at the edge."""

EACH = "[]"
"""A path step meaning "every element of this list"."""


@dataclass(frozen=True)
class Field:
    """One column, or one field nested inside a STRUCT column."""

    dtype: pl.DataType
    doc: str
    unit: str | None = None
    ge: float | None = None
    le: float | None = None
    isin: tuple[str, ...] | None = None
    nullable: bool = True
    children: Mapping[str, Field] = field(default_factory=dict)
    item: Field | None = None
    allowed: str | None = None
    """How to say `isin` when the list is too long to spell out (e.g. an IANA timezone)."""
    seed_names: Mapping[str, str] = field(default_factory=dict)
    """Seed name -> dotted path of the child that holds it (`max_heart_rate` -> `max_hr_bpm`)."""

    @property
    def comment(self) -> str:
        text = f"{self.doc} [{self.unit}]" if self.unit else self.doc
        if self.children:
            text += ". Fields: " + ", ".join(_describe(n, f) for n, f in self.children.items())
        elif self.item is not None and self.item.children:
            text += ". Each item: " + ", ".join(
                _describe(n, f) for n, f in self.item.children.items()
            )
        if self.seed_names:
            text += ". Seed names: " + ", ".join(f"{s} is {p}" for s, p in self.seed_names.items())
        return text

    @property
    def rule(self) -> str:
        """The range and allowed values, in words (`>= 10 and <= 100`)."""
        parts = []
        if self.ge is not None:
            parts.append(f">= {self.ge:g}")
        if self.le is not None:
            parts.append(f"<= {self.le:g}")
        if self.isin is not None:
            parts.append(self.allowed or f"one of {', '.join(self.isin)}")
        return " and ".join(parts)

    def violation(self, value: object) -> str | None:
        """Why a scalar value breaks this field's range or allowed values, or None."""
        if value is None:
            return None
        low = self.ge is not None and value < self.ge  # type: ignore[operator]
        high = self.le is not None and value > self.le  # type: ignore[operator]
        if low or high or (self.isin is not None and value not in self.isin):
            return f"must be {self.rule} (got {value!r})"
        return None

    @property
    def is_constrained(self) -> bool:
        return self.ge is not None or self.le is not None or self.isin is not None


def _describe(name: str, f: Field) -> str:
    return f"{name} ({f.unit})" if f.unit else name


def text(
    doc: str,
    *,
    isin: tuple[str, ...] | None = None,
    allowed: str | None = None,
    nullable: bool = True,
) -> Field:
    return Field(pl.String(), doc, isin=isin, nullable=nullable, allowed=allowed)


def number(
    doc: str,
    unit: str | None = None,
    *,
    ge: float | None = None,
    le: float | None = None,
    nullable: bool = True,
) -> Field:
    return Field(pl.Float64(), doc, unit, ge=ge, le=le, nullable=nullable)


def integer(
    doc: str,
    unit: str | None = None,
    *,
    ge: float | None = None,
    le: float | None = None,
    nullable: bool = True,
) -> Field:
    return Field(pl.Int64(), doc, unit, ge=ge, le=le, nullable=nullable)


def flag(doc: str, *, nullable: bool = True) -> Field:
    return Field(pl.Boolean(), doc, nullable=nullable)


def instant(doc: str, *, nullable: bool = True) -> Field:
    return Field(UTC_INSTANT, doc, "UTC instant", nullable=nullable)


def day(doc: str, *, nullable: bool = True) -> Field:
    return Field(pl.Date(), doc, "local calendar date", nullable=nullable)


def texts(doc: str, *, isin: tuple[str, ...] | None = None) -> Field:
    item = Field(pl.String(), doc, isin=isin)
    return Field(pl.List(pl.String()), doc, item=item)


def struct(doc: str, *, seed_names: Mapping[str, str] | None = None, **children: Field) -> Field:
    return _struct_of(doc, children, seed_names or {})


def _struct_of(doc: str, children: dict[str, Field], seed_names: Mapping[str, str]) -> Field:
    dtype = pl.Struct({name: child.dtype for name, child in children.items()})
    return Field(dtype, doc, children=children, seed_names=dict(seed_names))


def list_of(doc: str, item: Field) -> Field:
    return Field(pl.List(item.dtype), doc, item=item)


def records(doc: str, **children: Field) -> Field:
    """A LIST of STRUCTs: laps, splits, decisions, ..."""
    return list_of(doc, _struct_of(doc, children, {}))


@dataclass(frozen=True)
class TableContract:
    """A warehouse table: qualified name, meaning, key, indexes and columns."""

    schema_name: str
    table_name: str
    doc: str
    key: tuple[str, ...]
    columns: Mapping[str, Field]
    indexes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema_name}.{self.table_name}"

    @property
    def polars_schema(self) -> pl.Schema:
        return pl.Schema({name: f.dtype for name, f in self.columns.items()})

    def empty_frame(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema)

    def pandera_schema(self) -> pa.DataFrameSchema:
        return _pandera_schema(self)

    def validate(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Validate every column and nested field at once; raise SchemaErrors listing all."""
        return self.pandera_schema().validate(frame, lazy=True)

    def conform(self, rows: pl.DataFrame) -> pl.DataFrame:
        """Add the columns a frame lacks (as nulls), order and cast them as the contract says."""
        if rows.width == 0:
            return self.empty_frame()
        missing = [
            pl.lit(None, dtype=f.dtype).alias(n)
            for n, f in self.columns.items()
            if n not in rows.columns
        ]
        unknown = sorted(set(rows.columns) - set(self.columns))
        if unknown:
            raise KeyError(f"{self.qualified_name} has no column(s) {', '.join(unknown)}")
        return rows.with_columns(missing).select(
            pl.col(n).cast(f.dtype, strict=True) for n, f in self.columns.items()
        )


_CACHE: dict[str, pa.DataFrameSchema] = {}


def _pandera_schema(contract: TableContract) -> pa.DataFrameSchema:
    cached = _CACHE.get(contract.qualified_name)
    if cached is not None:
        return cached
    columns = {}
    for name, f in contract.columns.items():
        checks = list(_value_checks(f))
        checks += [_nested_check(name, steps, leaf) for steps, leaf in _constrained_leaves(f, ())]
        columns[name] = pa.Column(
            f.dtype,
            checks=checks,
            nullable=f.nullable,
            unique=contract.key == (name,),
            description=f.comment,
            title=name,
            metadata={"unit": f.unit},
        )
    schema = pa.DataFrameSchema(
        columns,
        strict=True,
        unique=list(contract.key) if len(contract.key) > 1 else None,
        name=contract.qualified_name,
        description=contract.doc,
        metadata={"key": list(contract.key)},
    )
    _CACHE[contract.qualified_name] = schema
    return schema


def _value_checks(f: Field) -> Iterator[pa.Check]:
    if f.ge is not None and f.le is not None:
        yield pa.Check.in_range(f.ge, f.le)
    elif f.ge is not None:
        yield pa.Check.ge(f.ge)
    elif f.le is not None:
        yield pa.Check.le(f.le)
    if f.isin is not None:
        yield pa.Check.isin(list(f.isin))


def _constrained_leaves(
    f: Field, steps: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Field]]:
    """Constrained fields below a column (not the column itself), with the path to each."""
    for name, child in f.children.items():
        if child.is_constrained:
            yield (*steps, name), child
        yield from _constrained_leaves(child, (*steps, name))
    if f.item is not None:
        if f.item.is_constrained:
            yield (*steps, EACH), f.item
        yield from _constrained_leaves(f.item, (*steps, EACH))


def _satisfies(value: pl.Expr, leaf: Field) -> pl.Expr:
    ok = pl.lit(True)
    if leaf.ge is not None:
        ok = ok & (value >= leaf.ge)
    if leaf.le is not None:
        ok = ok & (value <= leaf.le)
    if leaf.isin is not None:
        ok = ok & value.is_in(list(leaf.isin))
    return value.is_null() | ok


def _navigate(value: pl.Expr, steps: tuple[str, ...], leaf: Field) -> pl.Expr:
    if not steps:
        return _satisfies(value, leaf)
    head, rest = steps[0], steps[1:]
    if head == EACH:
        inner = _navigate(pl.element(), rest, leaf)
        return value.is_null() | value.list.eval(inner).list.all()
    return _navigate(value.struct.field(head), rest, leaf)


def _nested_check(column: str, steps: tuple[str, ...], leaf: Field) -> pa.Check:
    path = column + "".join(step if step == EACH else f".{step}" for step in steps)

    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_navigate(pl.col(data.key), steps, leaf))

    return pa.Check(
        check,
        name=path,
        error=f"{path} must be {leaf.rule}",
        statistics={"path": path, "ge": leaf.ge, "le": leaf.le, "isin": leaf.isin},
    )


def table(
    qualified_name: str,
    doc: str,
    *,
    key: str | tuple[str, ...],
    columns: Mapping[str, Field],
    indexes: Mapping[str, tuple[str, ...]] | None = None,
) -> TableContract:
    schema_name, table_name = qualified_name.split(".")
    keys = (key,) if isinstance(key, str) else key
    for k in keys:
        if k not in columns:
            raise ValueError(f"{qualified_name}: key column {k} is not declared")
    fixed = {n: (_required(f) if n in keys else f) for n, f in columns.items()}
    return TableContract(schema_name, table_name, doc, keys, fixed, dict(indexes or {}))


def _required(f: Field) -> Field:
    return replace(f, nullable=False)
