import datetime as dt
import json
import os
import shutil
import time

import dagster as dg
import pytest

from assets.definitions import defs
from assets.partitions import runner_partitions
from assets.resources import CadenceHomeResource
from assets.sensors import SETTLE_SECONDS, inbox_sensor
from pipelines.ingest import run_ingest
from samples import write_sample_inbox
from warehouse.connection import open_warehouse
from warehouse.publish import publish

SETTLED = time.time() - 10 * SETTLE_SECONDS


def settle(*paths):
    """Date files as if copied in a while ago (the sensor waits for files still being copied)."""
    for path in paths:
        for file in [path, *path.rglob("*")] if path.is_dir() else [path]:
            os.utime(file, (SETTLED, SETTLED))


@pytest.fixture
def inbox_home(home):
    runners = write_sample_inbox(
        home.inbox, runners=2, days=7, seed=5, end_date=dt.date(2026, 11, 1)
    )
    settle(home.inbox)
    return home, [r.runner_id for r in runners]


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


class Sensor:
    """Ticks the inbox sensor as the daemon would: cursor carried over, partitions applied."""

    def __init__(self, home, instance):
        self.instance = instance
        self.resources = {"cadence": CadenceHomeResource(root=str(home.root))}
        self.cursor = None

    def tick(self) -> tuple[list[str], list[str]]:
        """(runners whose ingest was requested, runners added as partitions)."""
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=self.resources
        )
        result = inbox_sensor(context)
        self.cursor = result.cursor
        added = [key for r in result.dynamic_partitions_requests for key in r.partition_keys]
        self.instance.add_dynamic_partitions(runner_partitions.name, added)
        return [r.partition_key for r in result.run_requests], added


def test_new_runner_and_new_export_request_that_runner_only(inbox_home, instance):
    home, (ana, ben) = inbox_home
    sensor = Sensor(home, instance)
    assert sensor.tick() == ([ana, ben], [ana, ben])
    assert sensor.tick() == ([], [])

    second = home.inbox / ben / "strava" / "export_2.zip"
    shutil.copyfile(next((home.inbox / ana / "strava").glob("*.zip")), second)
    settle(second)
    assert sensor.tick() == ([ben], [])

    newcomer = home.inbox / "cleo"
    newcomer.mkdir()
    (newcomer / "profile.yaml").write_text("identity: {name: Cleo, timezone: Europe/Paris}\n")
    settle(newcomer)
    (home.inbox / "Not A Runner").mkdir()
    assert sensor.tick() == (["cleo"], ["cleo"])
    assert sensor.tick() == ([], [])
    assert set(sensor.instance.get_dynamic_partitions(runner_partitions.name)) == {
        ana,
        ben,
        "cleo",
    }


def test_the_first_tick_starts_from_what_the_published_copy_loaded(inbox_home, instance):
    """The first `cadence ui` after `cadence demo`: the sensor has no cursor yet, and the
    exports and profile the warehouse loaded (as published) are not ingested again; a runner
    it never loaded is."""
    home, (ana, ben) = inbox_home
    run_ingest(home, [ana])
    publish(home.warehouse, home.published)
    sensor = Sensor(home, instance)
    assert sensor.tick() == ([ben], [ana, ben])
    seen = json.loads(sensor.cursor)
    assert len(seen) == 6 and all(size is not None for size, _, _ in seen.values())

    export = home.inbox / ana / "healthkit" / "export.zip"
    content = bytearray(export.read_bytes())
    content[-1] ^= 0xFF
    export.write_bytes(bytes(content))
    replaced = SETTLED + 60  # a new export: same size, newer mtime, other content
    os.utime(export, (replaced, replaced))
    assert sensor.tick() == ([ana], [])


def test_a_published_copy_that_cannot_be_read_means_every_file_is_new(inbox_home, instance):
    home, (ana, ben) = inbox_home
    home.published.write_bytes(b"not a DuckDB file")
    assert Sensor(home, instance).tick() == ([ana, ben], [ana, ben])


def test_touching_a_file_launches_nothing_but_new_content_does(inbox_home, instance):
    home, (ana, _) = inbox_home
    sensor = Sensor(home, instance)
    sensor.tick()
    export = home.inbox / ana / "healthkit" / "export.zip"
    touched = SETTLED + 60
    os.utime(export, (touched, touched))
    assert sensor.tick() == ([], [])
    seen = json.loads(sensor.cursor)[f"{ana}/healthkit/export.zip"]
    assert seen[1] == touched  # the new mtime is remembered: the next tick does not hash again

    content = bytearray(export.read_bytes())
    content[-1] ^= 0xFF
    export.write_bytes(bytes(content))
    settle(export)
    assert sensor.tick() == ([ana], [])

    profile = home.inbox / ana / "profile.yaml"
    profile.write_text(profile.read_text() + "# the coach added a note\n")
    settle(profile)
    assert sensor.tick() == ([ana], [])


def test_a_file_still_being_copied_waits_for_a_later_tick(inbox_home, instance):
    home, (_, ben) = inbox_home
    sensor = Sensor(home, instance)
    sensor.tick()
    arriving = home.inbox / ben / "healthkit" / "export_new.xml"
    arriving.write_text("<HealthData>")
    assert sensor.tick() == ([], [])
    settle(arriving)
    assert sensor.tick() == ([ben], [])


def test_a_runner_partition_run_loads_only_that_runner(inbox_home, instance):
    home, (ana, ben) = inbox_home
    instance.add_dynamic_partitions(runner_partitions.name, [ana, ben])
    result = defs.resolve_job_def("runner_ingest").execute_in_process(
        instance=instance,
        partition_key=ben,
        resources={"cadence": CadenceHomeResource(root=str(home.root))},
    )
    assert result.success
    with open_warehouse(home.warehouse, read_only=True) as con:
        loaded = con.execute(
            "SELECT DISTINCT runner_id FROM raw_strava.loaded_exports UNION "
            "SELECT DISTINCT runner_id FROM raw_healthkit.loaded_exports UNION "
            "SELECT DISTINCT runner_id FROM raw_profiles.profiles UNION "
            "SELECT runner_id FROM coach.runners"
        ).fetchall()
    assert loaded == [(ben,)]
    materialized = instance.get_materialized_partitions(dg.AssetKey("raw_strava"))
    assert materialized == {ben}
