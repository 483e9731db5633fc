"""Migration files: named in order, loadable, and refused when misnamed."""
import pytest

from shared.adapters.postgres import load_migrations
from shared.errors import ConfigError


def test_shipped_migrations_are_numbered_from_0001_without_gaps():
    """Versions run 0001, 0002, ... so the order of application is the order of the files."""
    versions = [m.version for m in load_migrations()]

    assert versions == [f"{i:04d}" for i in range(1, len(versions) + 1)]


def test_misnamed_migration_is_refused(tmp_path):
    """A file that does not follow NNNN_name.sql stops start-up instead of being skipped."""
    (tmp_path / "0001_ok.sql").write_text("SELECT 1;")
    (tmp_path / "2_bad.sql").write_text("SELECT 1;")

    with pytest.raises(ConfigError, match="2_bad.sql"):
        load_migrations(tmp_path)
