"""Interval arithmetic on Polars frames: unions, covered time, elementary segments, and
the sort by key and instant they rest on."""

from __future__ import annotations

import polars as pl


def _lowest(series: pl.Series) -> int:
    return int(series.to_frame().select(pl.first().min()).item() or 0)


def _highest(series: pl.Series) -> int:
    return int(series.to_frame().select(pl.first().max()).item() or 0)


def sort_order(frame: pl.DataFrame, key: str, at: str) -> pl.Series:
    """The row positions that sort `frame` by the integer (or Enum) `key`, then by the instant
    `at`; rows equal on both keep their order.

    Polars sorts on two columns by encoding every row, several times slower on millions of
    rows than one sort on a single 64-bit number: the key's offset in the high bits, the
    instant's in the low bits (its rank in time when the span of instants is too wide)."""
    rows = pl.int_range(frame.height, dtype=pl.UInt32)
    if frame[key].null_count() or frame[at].null_count():
        return frame.select(rows.sort_by(key, at, maintain_order=True)).to_series()
    codes = frame[key].to_physical().cast(pl.Int64)
    times = frame[at].to_physical().cast(pl.Int64)
    codes, times = codes - _lowest(codes), times - _lowest(times)
    width = _highest(times).bit_length()
    if width + _highest(codes).bit_length() > 63:
        times = times.rank("dense").cast(pl.Int64)
        width = _highest(times).bit_length()
    return pl.select(rows.sort_by(codes * (1 << width) + times, maintain_order=True)).to_series()


def sorted_by(frame: pl.DataFrame, key: str, at: str) -> pl.DataFrame:
    """`frame` sorted by `key`, then by `at` (see `sort_order`)."""
    return frame[sort_order(frame, key, at)]


def _sorted_on(frame: pl.DataFrame, keys: list[str], at: str) -> pl.DataFrame:
    """`frame` sorted by `keys` then `at`: one 64-bit sort when the key is one integer."""
    if len(keys) == 1 and (frame.schema[keys[0]].is_integer() or frame.schema[keys[0]] == pl.Enum):
        return sorted_by(frame, keys[0], at)
    return frame.sort(*keys, at)


def _first_of_key(keys: list[str]) -> pl.Expr:
    """True on the first row of each key in a frame sorted by `keys`."""
    changed = [pl.col(k).ne_missing(pl.col(k).shift()) for k in keys]
    return pl.any_horizontal(*changed, pl.int_range(pl.len()) == 0)


def union_intervals(
    frame: pl.DataFrame,
    keys: list[str],
    start: str = "start_time",
    end: str = "end_time",
    gap_seconds: float = 0.0,
) -> pl.DataFrame:
    """Merge overlapping (or within `gap_seconds`) intervals per key into disjoint ones."""
    ordered = _sorted_on(frame.select(*keys, start, end), keys, start).with_columns(
        _first_of_key(keys).cum_sum().alias("_key_run")
    )
    reach = pl.col(end).cum_max().over("_key_run")
    new_group = pl.col("_key_run").ne(pl.col("_key_run").shift()).fill_null(True) | (
        pl.col(start) > reach.shift(1) + pl.duration(seconds=gap_seconds)
    )
    # each key starts a group, so one running count numbers the groups of every key, in order
    return (
        ordered.with_columns(new_group.cum_sum().alias("_group"))
        .group_by("_group", maintain_order=True)
        .agg(*(pl.col(k).first() for k in keys), pl.col(start).min(), pl.col(end).max())
        .drop("_group")
    )


def covered_seconds(
    intervals: pl.DataFrame,
    cover: pl.DataFrame,
    keys: list[str],
    start: str = "start_time",
    end: str = "end_time",
) -> pl.Series:
    """For each row of `intervals`, the seconds of it that the union of `cover` covers.

    Uses the cumulative covered length F(t) of the (disjoint, sorted) cover union, found
    with an as-of join, so it is linear in the number of rows: covered = F(end) - F(start).
    """
    union = union_intervals(cover, keys, start, end)
    union = union.with_columns(
        (pl.col(end) - pl.col(start)).dt.total_seconds(fractional=True).alias("_length")
    ).with_columns((pl.col("_length").cum_sum().over(keys) - pl.col("_length")).alias("_before"))

    def cumulative(at: str) -> pl.Series:
        # the as-of join looks within each key: sorting by time alone is enough
        probe = intervals.select(*keys, pl.col(at).alias("_t")).with_row_index("_row")
        found = probe.sort("_t").join_asof(
            union.rename({start: "_t"}).sort("_t"),
            on="_t",
            by=keys or None,
            strategy="backward",
            check_sortedness=False,
        )
        into_interval = (pl.col("_t") - pl.col(end)).dt.total_seconds(fractional=True) + pl.col(
            "_length"
        )
        value = (
            pl.when(pl.col("_before").is_null())
            .then(0.0)
            .otherwise(pl.col("_before") + into_interval.clip(0.0, pl.col("_length")))
        )
        return found.sort("_row").select(value.alias("F")).to_series()

    return (cumulative(end) - cumulative(start)).alias("covered_seconds")


def within_intervals(
    points: pl.DataFrame,
    at: str,
    intervals: pl.DataFrame,
    start: str,
    end: str,
    by: str = "runner_id",
) -> pl.DataFrame:
    """Each point with the columns of the interval (same `by`) that contains it; points in
    no interval are dropped. Where intervals overlap, the one that started last wins.

    Points come back in time order. Sorting by time alone is enough for the as-of join,
    which looks within each `by` group, and is far cheaper than sorting by `by` first."""
    return (
        points.sort(at)
        .join_asof(
            intervals.sort(start),
            left_on=at,
            right_on=start,
            by=by,
            strategy="backward",
            check_sortedness=False,
        )
        .filter(pl.col(at) <= pl.col(end))
    )
