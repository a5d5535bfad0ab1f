"""Shared by the real-browser tests: JupyterLab (or the classic Notebook 6) on loopback, and Debian's Chromium
for Playwright.

Nothing is downloaded: Playwright drives /usr/bin/chromium (apt-get install chromium). JupyterLab serves a
temporary folder on 127.0.0.1 with a token, a free port and its own settings (no news pop-ups, every cell in
the DOM, the kernel started without asking). ``running_classic_notebook`` serves one with Notebook 6 from
another environment (Colab's versions, ``.venv-colab``). Screenshots go to artifacts/browser/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
# Without the background-networking flags Chromium keeps trying to reach Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    # Start the notebook's own kernel without asking (a slow start otherwise brings up "Select Kernel").
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
}
SERVER_START_SECONDS = 90


def skip_without_browser() -> None:
    """Skip the calling test, saying what to install, where Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium).")
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed: pip install -e .[test]")


@contextmanager
def chromium_page(screenshots: Path = ARTIFACTS, width: int = 1400, height: int = 900, **options: Any) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium, ``width`` x ``height`` (more ``new_page`` options by keyword).

    The browser closes when the block ends; the folder ``screenshots`` is made for the block's screenshots. Skips the
    calling test, saying what to install, where Chromium or Playwright is missing.
    """
    skip_without_browser()
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height}, **options)
        finally:
            browser.close()


def wait_until_kernel_is_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the status bar reads "<kernel> | Idle": the kernel is started and connected.

    The notebook's execution indicator says "idle" earlier, while the status bar still reads "No Kernel |
    Initializing". Run All sent then makes JupyterLab connect to the kernel twice, and widgets created
    during the switch show "Error displaying widget: model not found" (seen here, most often under load).
    Answers the "Select Kernel" dialog too, should it appear although LAB_SETTINGS starts the kernel.
    """
    idle = page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first
    kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    idle.or_(kernel_dialog).first.wait_for(timeout=timeout_ms)
    if kernel_dialog.is_visible():
        kernel_dialog.get_by_role("button", name="Select").click()
        idle.wait_for(timeout=timeout_ms)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(process: subprocess.Popen, url: str, log: Path) -> None:
    """Poll the server's status API until it answers; ``process.wait`` is the bounded pause between tries."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        try:
            process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"The Jupyter server exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
    raise RuntimeError(f"The Jupyter server did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    """End a JupyterLab started by a test: terminate, then kill if it has not gone within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def new_user_env(home: Path) -> dict[str, str]:
    """This process's environment with Jupyter's config, runtime files, settings and workspaces under ``home``.

    A JupyterLab started with it meets none of the machine user's own settings, as a new user would.
    """
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }


@contextmanager
def running_jupyterlab(root: Path, home: Path, env: dict[str, str] | None = None) -> Iterator[Callable[[str], str]]:
    """Serve ``root`` with JupyterLab (its settings and runtime files under ``home``) until the block ends.

    Yields ``url_for(notebook_name)``, the address that opens that notebook in JupyterLab, token included.
    """
    for name, values in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
    ]  # fmt: skip
    with _running_server(command, root, home, env):
        yield lambda notebook_name: f"http://127.0.0.1:{port}/lab/tree/{notebook_name}?token={token}"


@contextmanager
def running_classic_notebook(
    python: Path, root: Path, home: Path, env: dict[str, str] | None = None
) -> Iterator[Callable[[str], str]]:
    """Serve ``root`` with the classic Notebook 6 of the environment whose interpreter is ``python`` (its kernel
    runs there too) until the block ends. Yields ``url_for(notebook_name)``, token included."""
    port, token = free_port(), secrets.token_hex(16)
    command = [
        str(python), "-m", "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--NotebookApp.token={token}", f"--NotebookApp.notebook_dir={root}", "--NotebookApp.port_retries=0",
    ]  # fmt: skip
    with _running_server(command, root, home, env):
        yield lambda notebook_name: f"http://127.0.0.1:{port}/notebooks/{notebook_name}?token={token}"


@contextmanager
def _running_server(command: list[str], root: Path, home: Path, env: dict[str, str] | None) -> Iterator[None]:
    """Run a Jupyter server ``command`` (with ``--port`` and a token) for ``root`` until the block ends."""
    port = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--port="))
    token = next(arg.split("=", 1)[1] for arg in command if ".token=" in arg)
    environment = {**new_user_env(home), **(env or {})}
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [*command, *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI containers run as root
            cwd=root, env=environment, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_server(process, f"http://127.0.0.1:{port}/api/status?token={token}", log)
        yield
    finally:
        stop_server(process)
