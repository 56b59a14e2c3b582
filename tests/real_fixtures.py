"""Where the real third-party files are: ../shared/fixtures/real beside the checkout."""

from pathlib import Path

REAL_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"
