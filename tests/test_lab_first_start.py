"""`make lab`'s first start: no "official Jupyter news" question and no kernel-selection dialog.

The test runs the JupyterLab command that `make -n lab` prints (so it checks the Makefile's own options), as a
new user would meet it: empty user settings, on loopback with a token, in headless Chromium (Debian's, no
download). A screenshot of the first start goes to artifacts/lab/first_start.png.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from lab_browser import chromium_page, free_port, new_user_env, skip_without_browser, stop_server, wait_for_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "lab"
LESSON = "01_data_preparation.ipynb"
NEWS_QUESTION = "Would you like to get notified about official Jupyter news?"


def make_lab_arguments() -> list[str]:
    """The arguments `make lab` gives `jupyter lab`, read from `make -n` (which prints and runs nothing)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = Path(sys.executable).parent.parent  # the running venv: make -n would only print a .venv's setup
    printed = subprocess.run(
        ["make", "-n", "-s", "lab", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    lines = [line for line in printed.splitlines() if "jupyter lab" in line]
    assert lines, f"`make -n lab` prints no `jupyter lab` command:\n{printed}"
    words = shlex.split(lines[-1])
    return words[words.index("lab") + 1 :]


def _plugin_defaults(base: str, token: str, plugin: str) -> dict:
    """The defaults JupyterLab's settings API serves for ``plugin`` (the schema, overrides applied)."""
    with urllib.request.urlopen(f"{base}/lab/api/settings/{plugin}?token={token}", timeout=10) as response:
        properties = json.load(response)["schema"]["properties"]
    return {name: spec.get("default") for name, spec in properties.items()}


def test_make_lab_starts_without_news_question_or_kernel_dialog(tmp_path):
    skip_without_browser()
    arguments = make_lab_arguments()
    assert any(a.startswith("--LabApp.app_settings_dir=") for a in arguments), f"make lab passes {arguments}"
    (tmp_path / "notebooks").mkdir()
    shutil.copyfile(ROOT / "notebooks" / LESSON, tmp_path / "notebooks" / LESSON)
    environment = new_user_env(tmp_path / "home")  # a new user: no JupyterLab settings of their own
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "jupyter", "lab", *arguments, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
    ]  # fmt: skip
    log = tmp_path / "jupyterlab.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_for_server(process, f"{base}/api/status?token={token}", log)  # raises with the log's tail
        with chromium_page(ARTIFACTS) as page:
            page.goto(f"{base}/lab/tree/{LESSON}?token={token}")
            idle = page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first
            kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
            idle.or_(kernel_dialog).first.wait_for(timeout=90_000)
            page.screenshot(path=ARTIFACTS / "first_start.png")
            assert not kernel_dialog.is_visible(), "a kernel-selection dialog opened"
            assert page.get_by_text(NEWS_QUESTION).count() == 0, "JupyterLab asked about Jupyter news"
        # What JupyterLab serves as this user's defaults: the settings behind what the browser showed.
        notification = _plugin_defaults(base, token, "@jupyterlab/apputils-extension:notification")
        assert notification["fetchNews"] == "false", notification
        assert _plugin_defaults(base, token, "@jupyterlab/notebook-extension:tracker")["autoStartDefaultKernel"]
    finally:
        stop_server(process)
