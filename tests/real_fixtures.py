"""Where the real third-party files are: ../shared/fixtures/real beside the checkout, and a
Strava export folder made of them."""

import csv
import io
import shutil
from pathlib import Path

REAL_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"

SLALOM_CSV = REAL_FIXTURES / "strava" / "slalom007_export" / "activities.csv"
TEMPLATE_UPLOAD = "activities/12383152614.fit.gz"  # a Run row of the same export


def export_of(folder: Path, files: dict[int, str]) -> Path:
    """A Strava export in `folder`/export whose activities.csv has one real Run row per
    file (the export's own header and row, with the activity id and Filename replaced).
    A file is named relative to REAL_FIXTURES, or by an absolute path."""
    with SLALOM_CSV.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    template = next(r for r in rows if r[header.index("Filename")] == TEMPLATE_UPLOAD)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    folder = folder / "export"
    (folder / "activities").mkdir(parents=True)
    for activity_id, rel in files.items():
        name = f"activities/{activity_id}.{Path(rel).name.split('.', 1)[1]}"
        shutil.copy(REAL_FIXTURES / rel, folder / name)
        row = list(template)
        row[header.index("Activity ID")] = str(activity_id)
        row[header.index("Filename")] = name
        writer.writerow(row)
    (folder / "activities.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder
