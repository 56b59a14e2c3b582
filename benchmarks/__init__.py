"""Speed and memory benchmarks: `uv run python -m benchmarks [SUITE ...]` prints a table."""
