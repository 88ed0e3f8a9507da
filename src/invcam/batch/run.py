"""Fitting many stacks: each is an ``invcam fit`` in its own process, on this machine
(``local``: a thread pool of subprocesses) or as Ray tasks (``ray``: each declares the
CPUs or GPU it needs; Ray places them on a local instance or a cluster).

The batch keeps its state in ``OUT/batch.json``: per stack, the fit settings and how the
last run ended. A stack fitted with the same settings is skipped; one interrupted (a
``model.pt`` but no success) is resumed; one whose settings changed is fitted again.
One stack failing (its one-line error is recorded) does not stop the others.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from invcam.batch.discover import Job
from invcam.io.atomic import write_text

STATE = "batch.json"
STATE_VERSION = 1


def out_dir(out: Path, job: Job, root_name: str) -> Path:
    """Where ``job``'s fit goes: ``OUT/<rel>`` (the root's own name if it is the stack)."""
    return out / (root_name if job.rel == "." else job.rel)


def load_state(out: Path) -> dict:
    """The batch state in ``out`` (empty when there is none or it is unreadable)."""
    try:
        data = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    ok = isinstance(data, dict) and data.get("version") == STATE_VERSION
    return data.get("stacks", {}) if ok and isinstance(data.get("stacks"), dict) else {}


def save_state(out: Path, stacks: dict) -> None:
    """Atomically write the batch state."""
    write_text(out / STATE, json.dumps({"version": STATE_VERSION, "stacks": stacks}, indent=1))


def plan(job: Job, target: Path, settings: list[str], state: dict) -> str:
    """``"skip"`` (done with these settings), ``"resume"``, ``"force"`` (replace an
    earlier fit of this batch) or ``"new"``."""
    entry = state.get(job.rel, {})
    same = entry.get("settings") == settings
    if same and entry.get("status") == "ok" and (target / "model.pt").is_file():
        return "skip"
    if same and (target / "model.pt").is_file():
        return "resume"
    return "force" if target.exists() else "new"


def fit_command(job: Job, target: Path, settings: Sequence[str], how: str,
                threads: int) -> list[str]:
    """The ``invcam fit`` command line of one stack."""
    extra = {"resume": ["--resume"], "force": ["--force"]}.get(how, [])
    return [sys.executable, "-m", "invcam.cli", "fit", str(job.path), "-o", str(target),
            *settings, "--threads", str(threads), *extra]


def run_one(command: list[str]) -> dict:
    """Run one fit command; its status, seconds and one-line error (picklable, for Ray)."""
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    error = errors[-1] if errors else (done.stderr.strip().splitlines() or [""])[-1]
    return {"status": "ok" if done.returncode == 0 else "failed",
            "exit_code": done.returncode, "seconds": round(time.monotonic() - start, 1),
            "error": "" if done.returncode == 0 else error[:500]}


def run_local(commands: dict[str, list[str]], workers: int,
              on_done: Callable[[str, dict], None]) -> None:
    """Run ``commands`` (stack -> command) on this machine, ``workers`` at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(run_one, cmd): rel for rel, cmd in commands.items()}
        for future in as_completed(futures):
            on_done(futures[future], future.result())


def run_ray(commands: dict[str, list[str]], cpus: int, gpus: int, address: str | None,
            on_done: Callable[[str, dict], None]) -> None:
    """Run ``commands`` as Ray tasks needing ``cpus`` CPUs and ``gpus`` GPUs each, on a
    local Ray instance (``address`` None) or the cluster at ``address``."""
    import logging
    import os

    import ray

    started = not ray.is_initialized()
    if started:
        if address is None:  # a private local instance needs no tokens
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR)
    try:
        task = ray.remote(num_cpus=cpus, num_gpus=gpus)(run_one)
        pending = {task.remote(cmd): rel for rel, cmd in commands.items()}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                on_done(pending.pop(ref), ray.get(ref))
    finally:
        if started:
            ray.shutdown()


def fit_summary(target: Path) -> dict:
    """Iterations, mean training PSNR and wall time from a fit's ``fit.json``."""
    try:
        report = json.loads((target / "fit.json").read_text(encoding="utf-8"))
        psnr = [im["train_psnr"] for im in report.get("images", [])]
        return {"iterations": report.get("iterations"), "fit_s": report.get("wall_s"),
                "train_psnr": round(sum(psnr) / len(psnr), 2) if psnr else None}
    except (OSError, ValueError, TypeError):
        return {}


class Recorder:
    """Keeps the batch state current as stacks finish (thread-safe) and prints a line."""

    def __init__(self, out: Path, state: dict, targets: dict[str, Path],
                 settings: list[str], say: Callable[[str], None]):
        self.out, self.state, self.targets = out, state, targets
        self.settings, self.say = settings, say
        self.lock = threading.Lock()

    def __call__(self, rel: str, result: dict) -> None:
        with self.lock:
            run = self.state.get(rel, {}).get("run")  # new, force or resume
            entry = {**result, "settings": self.settings, "run": run,
                     **fit_summary(self.targets[rel])}
            self.state[rel] = entry
            save_state(self.out, self.state)
            tail = f": {result['error']}" if result["status"] != "ok" else ""
            self.say(f"{rel}: {result['status']} in {result['seconds']:.0f} s{tail}")


__all__ = ["fit_command", "load_state", "out_dir", "plan", "run_local", "run_one", "run_ray",
           "save_state"]
