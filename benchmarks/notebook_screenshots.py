"""Screenshots of both coordinators' notebooks as a coordinator sees them: in JupyterLab, in a real
browser (headless Chromium from Debian's packages, driven by Selenium).

Opt-in (not part of the test run). Needs ``apt-get install chromium chromium-driver`` and
``pip install selenium`` (or ``pip install -e '.[notebook,screenshots]'``). Run from the
repository root::

    python -m benchmarks.notebook_screenshots --out /tmp/notebook-shots

It executes notebooks/review_tags.ipynb and notebooks/similar_initiatives.ipynb with nbclient on the
first rows of the registry (as tests/test_notebooks.py does, a minute or two each; widget state is
saved) into a temporary folder, with a temporary corrections file holding three earlier reviews,
starts JupyterLab there (127.0.0.1, a free port, a token, no browser), opens each executed notebook
in headless Chromium, waits for its outputs to render, scrolls through it and saves PNGs to --out.
It then checks the rendered outputs for "Error displaying widget", "Traceback" and "<Figure size",
prints a summary and exits non-zero if any is found. JupyterLab and Chromium are always stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, seed_reviews, use_scratch_dirs

NOTEBOOKS = ROOT / "notebooks"
NAMES = ("review_tags.ipynb", "similar_initiatives.ipynb")
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Texts that must not appear in any rendered output.
BAD_TEXTS = ("Error displaying widget", "Traceback", "<Figure size")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
#: JupyterLab settings for the check: every cell rendered (no windowing), no news or update toasts.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def check_requirements() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the Python package selenium")
    if missing:
        sys.exit(
            "notebook_screenshots needs headless Chromium and Selenium; missing: "
            + ", ".join(missing)
            + ".\nInstall them with:\n"
            "    apt-get install chromium chromium-driver\n"
            "    pip install selenium   (or pip install -e '.[screenshots]')"
        )


def execute_notebooks(work: Path, rows: int, timeout: int) -> list[str]:
    """Runs both notebooks (working folder notebooks/, as in the tests) and writes them, with their
    outputs and widget state, into `work`. Returns the errors the notebooks raised."""
    import nbclient
    import nbformat
    import nbformat.sign

    os.environ.update(
        {
            "ECS_TAGGER_NOTEBOOK_ROWS": str(rows),
            "ECS_TAGGER_NOTEBOOK_OUT": str(work / "out"),
            "ECS_TAGGER_NOTEBOOK_CV": "0",
            "ECS_TAGGER_NOTEBOOK_ACTOR": "Region Örebro län",
            "ECS_TAGGER_REVIEWER": "screenshots",
            "ECS_TAGGER_CORRECTIONS": str(work / "corrections.jsonl"),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
    )
    from ecs_tagger.coordinators.review import load_registry

    # three earlier reviews (as in tests/test_notebooks.py): something to show and retrain with
    seed_reviews(work / "corrections.jsonl", load_registry(limit=rows), reviewer="screenshots")
    problems = []
    for name in NAMES:
        started = time.monotonic()
        print(f"executing {name} ({rows} rows) ...", flush=True)
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        client = nbclient.NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            store_widget_state=True,
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as error:
            problems.append(f"{name}: a cell raised {error.ename}: {error.evalue}")
        # Signed as a coordinator's own run is: JupyterLab renders widgets only in trusted
        # notebooks (an untrusted one shows their plain-text repr, "VBox(children=...").
        nbformat.sign.NotebookNotary().sign(notebook)
        nbformat.write(notebook, work / name)
        print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
    return problems


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_lab(work: Path, port: int, token: str, log: Path) -> subprocess.Popen[bytes]:
    settings = work / ".lab-user-settings"
    for relative, values in LAB_SETTINGS.items():
        target = settings / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        f"--LabServerApp.user_settings_dir={settings}",
        f"--LabServerApp.workspaces_dir={work / '.lab-workspaces'}",
        "--LabApp.extension_manager=readonly",  # no look-ups on PyPI
    ]
    if os.geteuid() == 0:  # containers and CI machines often run as root
        command.append("--allow-root")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=work, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited at start; see {log}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5
            ):
                return process
        except OSError:
            time.sleep(1)
    stop_process(process)
    raise RuntimeError(f"JupyterLab did not answer within 90 s; see {log}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start_chromium(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_window_size(1400, 1000)
    driver.set_page_load_timeout(60)
    return driver


def wait_for(driver: Any, script: str, seconds: float) -> bool:
    """Polls a JavaScript expression until it is true, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if driver.execute_script(f"return Boolean({script});"):
                return True
        time.sleep(0.5)
    return False


_PANEL = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')"
_OUTPUTS_TEXT = (
    "Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
    ".jp-OutputArea-output')).map(e => e.textContent).join('\\n')"
)


def shoot_notebook(
    driver: Any, base: str, token: str, name: str, out: Path, most: int
) -> tuple[list[Path], list[str], int, int]:
    """Opens one notebook, saves up to `most` screenshots while scrolling; returns the PNGs, the
    bad texts found in its rendered outputs, the number of outputs and of rendered widgets."""
    stem = Path(name).stem
    driver.get(f"{base}/lab/tree/{name}?token={token}&reset")
    if not wait_for(driver, "document.querySelector('.jp-NotebookPanel .jp-Cell')", 90):
        raise RuntimeError(f"{name}: JupyterLab did not show the notebook within 90 s")
    wait_for(driver, "document.querySelectorAll('.jp-OutputArea-output').length > 0", 60)
    # Widgets and images render after the cells; give them time, bounded.
    wait_for(
        driver,
        "!document.body.textContent.includes('Loading widget')",
        60,
    )
    time.sleep(5)
    shots: list[Path] = []
    height = driver.execute_script(f"return {_PANEL} ? {_PANEL}.clientHeight : 0;") or 800
    for index in range(most):
        path = out / f"{stem}_{index + 1:02d}.png"
        driver.save_screenshot(str(path))
        shots.append(path)
        moved = driver.execute_script(
            f"const p = {_PANEL}; if (!p) return false; const before = p.scrollTop;"
            # Stop once the last cell is in view (below it is only JupyterLab's empty padding).
            "const cells = p.querySelectorAll('.jp-Cell'); const last = cells[cells.length - 1];"
            "if (last && last.getBoundingClientRect().bottom <= p.getBoundingClientRect().bottom)"
            " return false;"
            f"p.scrollTop = before + {int(height * 0.9)}; return p.scrollTop > before;"
        )
        if not moved:
            break
        time.sleep(1.5)
    text = driver.execute_script(f"return {_OUTPUTS_TEXT};") or ""
    outputs = driver.execute_script(
        "return document.querySelectorAll("
        "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output').length;"
    )
    widgets = driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
        ".jp-OutputArea-output')).filter(e => e.querySelector('.jupyter-widgets')).length;"
    )
    found = [bad for bad in BAD_TEXTS if bad in text]
    return shots, found, int(outputs or 0), int(widgets or 0)


def widget_outputs(path: Path) -> int:
    """How many widgets the executed notebook displays (each should render as a widget)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        WIDGET_MIME in output.get("data", {})
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--rows", type=int, default=20, help="registry rows the notebooks tag")
    parser.add_argument("--shots", type=int, default=25, help="most screenshots per notebook")
    parser.add_argument("--cell-timeout", type=int, default=1200, help="seconds per cell")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    check_requirements()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ECS_TAGGER_CACHE", str(Path.home() / ".cache" / "ecs-tagger"))

    work = Path(tempfile.mkdtemp(prefix="ecs-tagger-screenshots-"))
    # Jupyter's, IPython's and matplotlib's settings and runtime files stay in the temporary folder.
    use_scratch_dirs(work)
    problems: list[str] = []
    lab = driver = None
    try:
        problems += execute_notebooks(work, args.rows, args.cell_timeout)
        port, token = free_port(), secrets.token_hex(16)
        lab = start_lab(work, port, token, work / "jupyterlab.log")
        driver = start_chromium(work / ".chromium-profile")
        base = f"http://127.0.0.1:{port}"
        for name in NAMES:
            shots, found, outputs, widgets = shoot_notebook(
                driver, base, token, name, args.out, args.shots
            )
            expected = widget_outputs(work / name)
            print(
                f"{name}: {outputs} outputs rendered, {widgets} of {expected} widgets drawn,"
                f" {len(shots)} screenshots"
            )
            for shot in shots:
                print(f"  {shot}")
            if outputs == 0:
                problems.append(f"{name}: no output rendered in the browser")
            if widgets < expected:
                problems.append(f"{name}: only {widgets} of {expected} widgets drawn as widgets")
            problems += [f"{name}: the page shows {bad!r}" for bad in found]
    finally:
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.quit()
        if lab is not None:
            stop_process(lab)
        if args.keep:
            print(f"temporary folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("PROBLEMS:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print("OK: both notebooks render with no widget error, traceback or undrawn figure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
