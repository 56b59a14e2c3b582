import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a dev dependency; run `uv sync`"
    result = subprocess.run(
        [ruff, "check", "--output-format", "concise", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_core_and_the_warehouse_type_check():
    """House rule 7: mypy over transforms/ and warehouse/ (configured in pyproject.toml)."""
    mypy = shutil.which("mypy")
    assert mypy, "mypy is a dev dependency; run `uv sync`"
    result = subprocess.run(
        [mypy, "--no-error-summary"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
