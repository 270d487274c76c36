"""The typed usage file runs (mypy --strict checks it in scripts/test-python.sh)."""

from pathlib import Path

from typed_usage import main


def test_typed_usage_runs(tmp_path: Path) -> None:
    out = main(tmp_path)
    assert out[0] == "2:1:3:ERROR disk full"
    assert any("escapes the root" in line for line in out)
    assert out[-1] == "99 3"
    assert (tmp_path / "t.csv").read_text() == "id,city,status\n1,Paris,processed\n2,Rome,processed\n"
