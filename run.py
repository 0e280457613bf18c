#!/usr/bin/env python3
"""Kefu's front door: set up, run the demo, run the tests.

Standard library only, so it works on a fresh machine with nothing but Python 3.11+:

    python3 run.py demo    # install, migrate, load demo data, serve http://127.0.0.1:8000
    python3 run.py test    # install, run the whole test suite (extra args go to pytest)
    python3 run.py lock    # maintainers: re-lock requirements/*.lock from pyproject.toml

Every step is idempotent: running a command twice reuses the virtualenv (re-installing only
when a lock file changed) and never duplicates demo data.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("KEFU_VENV", ROOT / ".venv"))
MIN_PYTHON = (3, 11)


def say(message: str) -> None:
    print(f"\033[1m[kefu]\033[0m {message}", flush=True)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_venv(lock_name: str) -> Path:
    """Create .venv and install the hash-locked requirements, unless already current."""
    if sys.version_info < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        sys.exit(f"Kefu needs Python {wanted} or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        say(f"creating virtualenv in {VENV}")
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except Exception as exc:
            sys.exit(
                f"Could not create a virtualenv ({exc}). On Debian/Ubuntu install the "
                "'python3-venv' package first."
            )
    lock = ROOT / "requirements" / lock_name
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = VENV / f".installed-{lock_name}"
    if stamp.exists() and stamp.read_text() == digest:
        return python
    say(f"installing dependencies from requirements/{lock_name} (hash-checked)")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "--no-deps",
            "-r",
            str(lock),
        ],
        check=True,
    )
    for other in VENV.glob(".installed-*"):
        other.unlink()
    stamp.write_text(digest)
    return python


def manage(python: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(python), str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


def demo(args: list[str]) -> int:
    python = ensure_venv("runtime.lock")
    host = os.environ.get("KEFU_HOST", "127.0.0.1")
    port = os.environ.get("KEFU_PORT", "8000")
    env = {
        "DJANGO_SETTINGS_MODULE": "kefu.config.settings.embedded",
        "KEFU_SITE_URL": f"http://{host}:{port}",
        **os.environ,
    }
    manage(python, "compile_catalogs", env=env)
    manage(python, "migrate", "--no-input", env=env)
    manage(python, "seed_demo", env=env)
    say(f"Kefu demo on http://{host}:{port}/  (Ctrl+C stops it)")
    try:
        return subprocess.call(
            [
                str(python),
                "-m",
                "uvicorn",
                "kefu.config.asgi:application",
                "--host",
                host,
                "--port",
                port,
                "--no-server-header",
                # Chat frames are small JSON: compressing each one cost more CPU than the
                # bytes it saved, and a zlib context per connection (docs/benchmarks.md).
                "--ws-per-message-deflate",
                "false",
                "--log-level",
                "warning",
                *args,
            ],
            env=env,
            cwd=ROOT,
        )
    except KeyboardInterrupt:
        return 0


def test(args: list[str]) -> int:
    python = ensure_venv("dev.lock")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.config.settings.test"}
    manage(python, "compile_catalogs", env=env)
    workers = "auto" if (os.cpu_count() or 1) > 1 else "0"
    cmd = [str(python), "-m", "pytest", "-n", workers, *args]
    say("running: " + " ".join(cmd[1:]))
    return subprocess.call(cmd, env=env, cwd=ROOT)


def lock(_args: list[str]) -> int:
    uv = shutil.which("uv")
    if uv is None:
        python = ensure_venv("dev.lock")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "uv"], check=True)
        uv = str(VENV / "bin" / "uv")
    common = [
        "pip",
        "compile",
        "pyproject.toml",
        "--universal",
        "--generate-hashes",
        "--python-version",
        "3.11",
        "--quiet",
    ]
    subprocess.run([uv, *common, "-o", "requirements/runtime.lock"], check=True, cwd=ROOT)
    subprocess.run(
        [uv, *common, "--extra", "dev", "-o", "requirements/dev.lock"], check=True, cwd=ROOT
    )
    say("requirements/*.lock updated")
    return 0


COMMANDS = {"demo": demo, "test": test, "lock": lock}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
