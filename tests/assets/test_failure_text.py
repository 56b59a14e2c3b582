import datetime as dt
import sys
import traceback

import dagster as dg
import dlt
import duckdb
import polars as pl
import pytest
from dagster_shared.error import SerializableErrorInfo

from warehouse.error_text import MAX_CHARS, error_sentence, step_failure_sentence
from warehouse.tables.terra import ACTIVITY_SAMPLES

AT = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)


def recorded(raise_it) -> SerializableErrorInfo:
    """The error as Dagster records a step failure: its own wrapper, then what the step
    raised (with its causes)."""
    try:
        try:
            raise_it()
        except Exception as error:
            raise dg.DagsterExecutionStepExecutionError(
                'Error occurred while executing op "terra_layer":',
                user_exception=error,
                original_exc_info=sys.exc_info(),
                step_key="terra_layer",
                op_name="terra_layer",
                op_def_name="terra_layer",
            ) from error
    except dg.DagsterExecutionStepExecutionError as step_error:
        return SerializableErrorInfo.from_traceback(
            traceback.TracebackException.from_exception(step_error)
        )


def same_instant_samples() -> None:
    """The issue's case: a Watch's background and workout heart rate at one second."""
    rows = pl.DataFrame(
        {
            "activity_id": ["run-1", "run-1"],
            "runner_id": ["ana", "ana"],
            "source": ["healthkit", "healthkit"],
            "timestamp": [AT, AT],
            "heart_rate_bpm": [87.0, 151.0],
        }
    )
    ACTIVITY_SAMPLES.validate(ACTIVITY_SAMPLES.conform(rows))


def impossible_heart_rate() -> None:
    rows = pl.DataFrame(
        {
            "activity_id": ["run-1"],
            "runner_id": ["ana"],
            "source": ["strava"],
            "timestamp": [AT],
            "heart_rate_bpm": [400.0],
        }
    )
    ACTIVITY_SAMPLES.validate(ACTIVITY_SAMPLES.conform(rows))


def duckdb_error(sql: str):
    def run() -> None:
        con = duckdb.connect()
        con.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
        con.execute(sql)

    return run


def test_the_recorded_text_is_what_the_issue_saw():
    """The old line (the innermost message's last line) is the brace the issue quotes: the
    tests below would pass on nothing if the fixture were not that error."""
    error = recorded(same_instant_samples)
    innermost = error
    while innermost.cause is not None:
        innermost = innermost.cause
    assert innermost.message.strip().splitlines()[-1] == "}"


def test_pandera_uniqueness_names_table_key_and_how_many_rows_clash():
    sentence = step_failure_sentence(recorded(same_instant_samples))
    assert sentence.startswith(
        "terra.activity_samples: columns '('activity_id', 'timestamp', 'source')' not unique"
    )
    assert sentence.endswith("(2 rows)")
    assert "{" not in sentence and "}" not in sentence and "\n" not in sentence


def test_pandera_value_check_names_column_check_and_value():
    sentence = step_failure_sentence(recorded(impossible_heart_rate))
    assert sentence.startswith("terra.activity_samples: column 'heart_rate_bpm' failed")
    assert "400.0" in sentence
    assert "\n" not in sentence


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "INSERT INTO t VALUES (1), (1)",
            'Constraint Error: PRIMARY KEY or UNIQUE constraint violation: duplicate key "1"',
        ),
        ("SELECT x FROM nowhere", "Catalog Error: Table with name nowhere does not exist!"),
        ("SELECT b FROM t", 'Binder Error: Referenced column "b" not found in FROM clause!'),
    ],
)
def test_duckdb_errors_are_their_first_line_without_the_query_or_caret(sql, expected):
    assert step_failure_sentence(recorded(duckdb_error(sql))) == expected


def test_the_steps_own_words_win_over_the_cause_below_them():
    def wrapped() -> None:
        try:
            same_instant_samples()
        except Exception as error:
            raise ValueError("runner ana: terra.activity_samples rejected 2 rows") from error

    assert step_failure_sentence(recorded(wrapped)) == (
        "runner ana: terra.activity_samples rejected 2 rows"
    )


def test_a_wrapper_that_introduces_or_repeats_its_cause_gives_way_to_it(tmp_path):
    """dlt's PipelineStepFailed ("... with exception:") wraps ResourceExtractionError, which
    repeats the reader's own error inside a longer message."""

    @dlt.resource
    def activities():
        yield {"activity_id": "run-1"}
        raise ValueError("activities.csv row 7: 'Distance' is not a number")

    pipeline = dlt.pipeline(
        "failing",
        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
        pipelines_dir=str(tmp_path / "dlt"),
    )
    error = recorded(lambda: pipeline.run(activities()))
    assert "PipelineStepFailed" in error.cause.message  # the chain is the one dlt raises
    assert step_failure_sentence(error) == "activities.csv row 7: 'Distance' is not a number"


def test_python_errors_keep_the_class_only_when_it_explains():
    def missing_key() -> None:
        raise KeyError("heart_rate_bpm")

    def bare() -> None:
        raise RuntimeError

    assert step_failure_sentence(recorded(missing_key)) == "KeyError: 'heart_rate_bpm'"
    assert step_failure_sentence(recorded(bare)) == "RuntimeError"
    assert step_failure_sentence(None) == "no error was recorded"


def test_no_line_is_a_brace_a_json_fragment_or_endless():
    assert error_sentence('ValueError: {\n  "reason": "bad week"\n}\n') == "bad week"
    assert error_sentence("ValueError: \n  }\n") == "ValueError"
    long = error_sentence("ValueError: " + "word " * 200)
    assert len(long) <= MAX_CHARS + 2 and long.endswith("…")
