"""Screenshots of both coordinators' notebooks as a coordinator sees them: in JupyterLab with a live
kernel, in a real browser (headless Chromium from Debian's packages, driven by Selenium).

Opt-in (not part of the test run). Needs ``apt-get install chromium chromium-driver`` and
``pip install selenium`` (or ``pip install -e '.[notebook,screenshots]'``). Run from the
repository root::

    python -m benchmarks.notebook_screenshots --out /tmp/notebook-shots

For each language (``--languages en,sv``; the notebooks' ``LANGUAGE``, set through
ECS_TAGGER_NOTEBOOK_LANGUAGE) it copies notebooks/review_tags.ipynb and
notebooks/similar_initiatives.ipynb, as committed (no outputs), into a temporary folder with a
corrections file holding three earlier reviews (``benchmarks.common.seed_reviews``: they start from
what the shipped tagger says of the first rows, so an accepted review keeps its tags and a
corrected one changes them), starts JupyterLab there (127.0.0.1, a free port, a token, no
browser), opens each notebook in headless Chromium, chooses *Run All Cells* as a coordinator does
(the kernel is the one JupyterLab started for the page: every widget is live), waits until every
cell has run, saves it, scrolls through it and saves PNGs to --out (``en_review_tags_01.png``, …).
The notebooks tag the first --rows rows of the registry, retrain without cross-validation and
write their exports into the temporary folder.

The check fails (non-zero exit, the problems listed) when a page shows "Error displaying widget",
a traceback or a ``<Figure size`` text; when a widget is drawn as plain text or marked
disconnected (the red broken-link mark of a widget without its kernel); when a cell did not finish;
or when the kernel status indicator shows the kernel dead, disconnected or unknown. At the end it
stops one notebook's kernel through JupyterLab's API and checks that the indicator then shows it
(``kernel_stopped.png``): a check that could not see a lost kernel would itself fail.
JupyterLab and Chromium are always stopped.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, seed_reviews, use_scratch_dirs

NOTEBOOKS = ROOT / "notebooks"
NAMES = ("review_tags.ipynb", "similar_initiatives.ipynb")
LANGUAGES = ("en", "sv")
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Texts that must not appear in any rendered output.
BAD_TEXTS = ("Error displaying widget", "Traceback", "<Figure size")
#: Kernel states (JupyterLab's execution indicator, ``data-status``) that mean the page has no
#: working kernel: what a coordinator would see as a lost session.
LOST_KERNEL = ("dead", "disconnected", "unknown", "terminating", "")
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
    # autoStartDefaultKernel: the notebook's own kernel (python3) starts without the "Select
    # Kernel" dialog, which otherwise may come up over the page while the check runs it.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
_ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden)"
_PANEL = f"document.querySelector('{_ACTIVE} .jp-WindowedPanel-outer')"


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


def prepare_folder(work: Path, language: str, rows: int) -> dict[str, str]:
    """Copies the notebooks as committed into `work`, seeds its corrections file with three earlier
    reviews, and returns the environment the kernel needs (JupyterLab passes it on)."""
    from ecs_tagger.coordinators.review import load_registry

    work.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        shutil.copyfile(NOTEBOOKS / name, work / name)
    corrections = work / "corrections.jsonl"
    seed_reviews(corrections, load_registry(limit=rows), reviewer="screenshots")
    # An actor of the rows similar_initiatives reads, so that its actor section shows actors
    # (one absent from them gets "No actor called …").
    actors = load_registry(limit=rows, oms_only=False)["actor"].dropna().astype(str).str.strip()
    actors = actors[actors != ""]
    actor = actors.value_counts().index[0] if len(actors) else "Region Örebro län"
    return {
        "ECS_TAGGER_NOTEBOOK_LANGUAGE": language,
        "ECS_TAGGER_NOTEBOOK_ROWS": str(rows),
        "ECS_TAGGER_NOTEBOOK_OUT": str(work / "out"),
        "ECS_TAGGER_NOTEBOOK_CV": "0",
        "ECS_TAGGER_NOTEBOOK_ACTOR": actor,
        "ECS_TAGGER_REVIEWER": "screenshots",
        "ECS_TAGGER_CORRECTIONS": str(corrections),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_lab(
    work: Path, port: int, token: str, log: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """JupyterLab serving `work`, its kernels started with `env` added to this environment."""
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
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: Run All, save, kernel state
    ]
    if os.geteuid() == 0:  # containers and CI machines often run as root
        command.append("--allow-root")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=work,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **env},
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
    driver.set_script_timeout(60)
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


#: What the page shows of its kernel and cells (JSON-able), read in the browser.
_PAGE_STATE = f"""
const panel = document.querySelector('{_ACTIVE}');
if (!panel) return null;
const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
const statusBar = Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
    .map(e => e.textContent).filter(t => t.includes(' | ')).join(' ');
const app = window.jupyterapp;
const widget = app && app.shell.currentWidget;
const context = widget && widget.sessionContext;
const kernel = context && context.session && context.session.kernel;
const prompts = Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'))
    .map(e => e.textContent.trim());
const outputs = Array.from(panel.querySelectorAll('.jp-OutputArea-output'));
return {{
    indicator: indicator ? indicator.getAttribute('data-status') : null,
    statusBar: statusBar,
    kernelStatus: kernel ? kernel.status : null,
    connection: kernel ? kernel.connectionStatus : null,
    kernelId: kernel ? kernel.id : null,
    prompts: prompts,
    errors: panel.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]').length,
    outputs: outputs.length,
    widgets: outputs.filter(e => e.querySelector('.jupyter-widgets')).length,
    disconnected: panel.querySelectorAll('.jupyter-widgets-disconnected').length,
    text: outputs.map(e => e.textContent).join('\\n'),
}};
"""


def page_state(driver: Any) -> dict[str, Any]:
    return driver.execute_script(_PAGE_STATE) or {}


def kernel_lost(state: dict[str, Any]) -> str:
    """Why the page shows no working kernel ("" when it has one): the execution indicator's state,
    the status bar's words, and the kernel connection JupyterLab itself holds."""
    indicator = state.get("indicator")
    if indicator is None:
        return "the page shows no kernel status indicator"
    if indicator in LOST_KERNEL:
        return f"the kernel status indicator shows {indicator or 'no kernel'!r}"
    bar = str(state.get("statusBar", ""))
    for word in ("Dead", "Disconnected", "Unknown", "No Kernel"):
        if word in bar:
            return f"the status bar shows {bar.strip()!r}"
    if state.get("connection") not in (None, "connected"):
        return f"the kernel connection is {state.get('connection')!r}"
    return ""


def run_all(driver: Any, name: str, timeout: float) -> list[str]:
    """Chooses Run All Cells once the kernel is idle and waits until every code cell has run (or
    one raised); then saves the notebook. Returns the problems seen."""
    # The indicator says "idle" before the page has a kernel ("No Kernel | Initializing"): wait
    # for the kernel JupyterLab started for the page to be connected and idle.
    ready = (
        "(() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session"
        " && w.sessionContext.session.kernel;"
        " return k && k.connectionStatus === 'connected' && k.status === 'idle'; })()"
    )
    if not wait_for(driver, ready, 180):
        return [f"{name}: no live kernel within 180 s ({kernel_lost(page_state(driver))})"]
    dialogs = driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-Dialog')).map(e => e.textContent);"
    )
    if dialogs:
        return [f"{name}: a dialog is open over the notebook: {' / '.join(dialogs)[:200]}"]
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
    started = time.monotonic()
    time.sleep(2)
    while time.monotonic() - started < timeout:
        state = page_state(driver)
        lost = kernel_lost(state)
        if lost:
            return [f"{name}: {lost} while the cells ran"]
        prompts = state.get("prompts", [])
        busy = state.get("indicator") == "busy" or any("*" in p for p in prompts)
        if not busy and prompts and all(any(ch.isdigit() for ch in p) for p in prompts):
            break
        if not busy and state.get("errors"):
            break  # Run All stops at a cell that raised
        time.sleep(2)
    else:
        return [f"{name}: the cells had not all run after {timeout:.0f} s"]
    print(f"  ran all cells in {time.monotonic() - started:.0f} s", flush=True)
    driver.execute_script("window.jupyterapp.commands.execute('docmanager:save');")
    time.sleep(3)
    return []


def shoot(driver: Any, prefix: str, out: Path, most: int) -> list[Path]:
    """Saves up to `most` screenshots of the open notebook, from the top, scrolling down."""
    driver.execute_script(f"const p = {_PANEL}; if (p) p.scrollTop = 0;")
    time.sleep(1.5)
    shots: list[Path] = []
    height = driver.execute_script(f"return {_PANEL} ? {_PANEL}.clientHeight : 0;") or 800
    for index in range(most):
        path = out / f"{prefix}_{index + 1:02d}.png"
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
    return shots


def widget_outputs(path: Path) -> int:
    """How many widgets the saved notebook displays (each should render as a widget)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        WIDGET_MIME in output.get("data", {})
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


@dataclass
class Session:
    """One JupyterLab with its browser page: the work folder, the address and the token."""

    driver: Any
    base: str
    token: str
    work: Path
    problems: list[str] = field(default_factory=list)

    def open(self, name: str) -> bool:
        self.driver.get(f"{self.base}/lab/tree/{name}?token={self.token}&reset")
        if not wait_for(self.driver, f"document.querySelector('{_ACTIVE} .jp-Cell')", 90):
            self.problems.append(f"{name}: JupyterLab did not show the notebook within 90 s")
            return False
        return True

    def check_notebook(self, name: str, prefix: str, out: Path, most: int, timeout: float) -> None:
        """Opens, runs, checks and photographs one notebook; its problems are added."""
        if not self.open(name):
            return
        self.problems += run_all(self.driver, name, timeout)
        # Widgets and images render after the cells; give them time, bounded.
        wait_for(self.driver, "!document.body.textContent.includes('Loading widget')", 60)
        time.sleep(3)
        shots = shoot(self.driver, prefix, out, most)
        state = page_state(self.driver)
        expected = widget_outputs(self.work / name)
        print(
            f"{prefix}: {state.get('outputs', 0)} outputs rendered, {state.get('widgets', 0)} of"
            f" {expected} widgets drawn, {state.get('disconnected', 0)} marked disconnected,"
            f" kernel {state.get('indicator')!r} ({state.get('statusBar', '').strip()}),"
            f" {len(shots)} screenshots"
        )
        for shot in shots:
            print(f"  {shot}")
        lost = kernel_lost(state)
        if lost:
            self.problems.append(f"{prefix}: {lost}")
        if not state.get("outputs"):
            self.problems.append(f"{prefix}: no output rendered in the browser")
        if int(state.get("widgets", 0)) < expected:
            self.problems.append(
                f"{prefix}: only {state.get('widgets', 0)} of {expected} widgets drawn as widgets"
            )
        if state.get("disconnected"):
            self.problems.append(
                f"{prefix}: {state['disconnected']} widgets marked disconnected from the kernel"
            )
        text = str(state.get("text", ""))
        self.problems += [f"{prefix}: the page shows {bad!r}" for bad in BAD_TEXTS if bad in text]

    def check_lost_kernel_is_seen(self, name: str, out: Path) -> None:
        """Stops the kernel of the open notebook `name` through JupyterLab's API and checks that
        the page then says so (what a real disconnection would show)."""
        kernel = page_state(self.driver).get("kernelId")
        if not kernel:
            self.problems.append(f"{name}: no kernel to stop for the self-check")
            return
        request = urllib.request.Request(
            f"{self.base}/api/kernels/{kernel}?token={self.token}", method="DELETE"
        )
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=30):
            pass
        deadline = time.monotonic() + 30
        seen = ""
        while time.monotonic() < deadline and not seen:
            time.sleep(1)
            seen = kernel_lost(page_state(self.driver))
        self.driver.save_screenshot(str(out / "kernel_stopped.png"))
        if seen:
            print(f"self-check: with its kernel stopped, {name} is seen as failed: {seen}")
        else:
            self.problems.append(
                f"self-check: the kernel of {name} was stopped but the check did not see it"
            )


def check_language(
    language: str, root: Path, args: argparse.Namespace, self_check: bool
) -> list[str]:
    """Runs and photographs both notebooks in one JupyterLab whose kernels use `language`."""
    work = root / language
    env = prepare_folder(work, language, args.rows)
    port, token = free_port(), secrets.token_hex(16)
    lab = driver = None
    try:
        lab = start_lab(work, port, token, root / f"jupyterlab-{language}.log", env)
        driver = start_chromium(root / f".chromium-profile-{language}")
        session = Session(driver, f"http://127.0.0.1:{port}", token, work)
        for name in NAMES:
            print(f"{language}: running {name} ({args.rows} rows) in JupyterLab ...", flush=True)
            session.check_notebook(
                name, f"{language}_{Path(name).stem}", args.out, args.shots, args.cell_timeout
            )
        if self_check:
            session.check_lost_kernel_is_seen(NAMES[-1], args.out)
        return session.problems
    finally:
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.quit()
        if lab is not None:
            stop_process(lab)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--rows", type=int, default=20, help="registry rows the notebooks tag")
    parser.add_argument("--shots", type=int, default=25, help="most screenshots per notebook")
    parser.add_argument(
        "--languages", default=",".join(LANGUAGES), help="the notebooks' LANGUAGE values, in turn"
    )
    parser.add_argument(
        "--cell-timeout", type=int, default=1800, help="seconds for Run All of one notebook"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    if not languages or any(lang not in LANGUAGES for lang in languages):
        parser.error(f"--languages takes {' and '.join(LANGUAGES)}, comma-separated")
    check_requirements()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ECS_TAGGER_CACHE", str(Path.home() / ".cache" / "ecs-tagger"))

    root = Path(tempfile.mkdtemp(prefix="ecs-tagger-screenshots-"))
    # Jupyter's, IPython's and matplotlib's settings and runtime files stay in the temporary folder.
    use_scratch_dirs(root)
    problems: list[str] = []
    try:
        for index, language in enumerate(languages):
            problems += check_language(language, root, args, index == len(languages) - 1)
    finally:
        if args.keep:
            print(f"temporary folder kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    if problems:
        print("PROBLEMS:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(
        "OK: both notebooks ran in JupyterLab with a live kernel and render with no widget error,"
        " disconnected widget, traceback or undrawn figure"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
