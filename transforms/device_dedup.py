"""Counting steps and distance once when iPhone and Apple Watch both record them.

The Health app keeps, for any moment, the samples of the highest-priority device that
recorded then (Apple Watch first by default) and the others only where it did not. Here
each sample keeps the share of its value that falls outside the time covered by
higher-priority devices (values spread evenly over a sample's interval), so neither a
naive sum (double counting) nor dropping a device (undercounting) happens.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.intervals import covered_seconds

DEVICE_PRIORITY = {"apple_watch": 1, "iphone": 2, "other": 3}
INSTANT_SECONDS = 1.0
"""A sample whose start equals its end is treated as one second long."""


def device_class(source_name: pl.Expr, hardware: pl.Expr) -> pl.Expr:
    """apple_watch / iphone / other, from the device hardware or, failing that, the source."""
    text = pl.concat_str(hardware.fill_null(""), pl.lit(" "), source_name.fill_null(""))
    return (
        pl.when(text.str.contains("(?i)watch"))
        .then(pl.lit("apple_watch"))
        .when(text.str.contains("(?i)iphone"))
        .then(pl.lit("iphone"))
        .otherwise(pl.lit("other"))
    )


def deduplicated_values(
    samples: pl.DataFrame,
    keys: list[str],
    priorities: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """`samples` (keys, device, start_time, end_time, value) with `counted_value`: the part
    of each value not already counted by a higher-priority device."""
    order = dict(DEVICE_PRIORITY | dict(priorities or {}))
    ranked = samples.with_columns(
        pl.col("device")
        .replace_strict(order, default=max(order.values()) + 1, return_dtype=pl.Int64)
        .alias("_priority"),
        pl.max_horizontal(
            pl.col("end_time"),
            pl.col("start_time") + pl.duration(seconds=INSTANT_SECONDS),
        ).alias("_end"),
    ).with_row_index("_row")
    parts = []
    for level in sorted(ranked["_priority"].unique().to_list()):
        at_level = ranked.filter(pl.col("_priority") == level)
        higher = ranked.filter(pl.col("_priority") < level)
        if higher.is_empty():
            share = pl.lit(1.0)
            covered = at_level.with_columns(share.alias("_share"))
        else:
            covered_s = covered_seconds(
                at_level.select(*keys, "start_time", pl.col("_end").alias("end_time")),
                higher.select(*keys, "start_time", pl.col("_end").alias("end_time")),
                keys,
            )
            length = (pl.col("_end") - pl.col("start_time")).dt.total_seconds(fractional=True)
            covered = (
                at_level.with_columns(covered_s)
                .with_columns(
                    (1 - pl.col("covered_seconds") / length).clip(0.0, 1.0).alias("_share")
                )
                .drop("covered_seconds")
            )
        parts.append(covered)
    return (
        pl.concat(parts)
        .sort("_row")
        .with_columns((pl.col("value") * pl.col("_share")).alias("counted_value"))
        .drop("_row", "_priority", "_end", "_share")
    )
