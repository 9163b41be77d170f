"""``sim app``: serve the browser view (:mod:`sim.app`) on this machine, with no internet needed.

The server is ``solara run sim.app:page`` in a child process, with the settings that make Solara
1.58 serve every front-end file itself (``docs/browser_notes.md``). Solara and Mesa's
visualisation are only imported by that child, so ``sim --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
from typing import Any

from .errors import SimInputError

APP = "sim.app:page"
OFFLINE_ENV = {
    "SOLARA_ASSETS_PROXY": "true",  # serve /_solara/cdn/* from the solara-assets package, not a CDN
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",  # no outbound calls
    "MPLBACKEND": "Agg",
}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def add_app_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("app", help="open the browser view: step through a run on a map of the councils",
                       description="Serve the browser view on this machine (no internet needed) and print "
                       "its address. Ctrl-C stops it.")
    p.add_argument("--region", default="england", help="region the page starts with (see `sim regions`; "
                   "it can be changed in the page)")
    p.add_argument("--port", type=int, default=8765, help="TCP port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine "
                   "only; 0.0.0.0 serves every network interface)")
    p.set_defaults(func=cmd_app)
    return p


def check_region(region: str) -> str:
    """The region's canonical name, or :class:`SimInputError` listing the regions."""
    from .data import load_seeds
    from .regions import build_region

    return build_region(load_seeds(), region).name


def check_port(host: str, port: int) -> None:
    """Raise :class:`SimInputError` if ``port`` is out of range or already taken on ``host``."""
    if not 1 <= port <= 65535:
        raise SimInputError(f"--port {port}: allowed 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:  # UnicodeError: a malformed name such as "a..b"
        raise SimInputError(f"--host {host!r}: not an address of this machine "
                            f"({getattr(exc, 'strerror', None) or exc})") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind(address)
        except PermissionError:
            raise SimInputError(f"--port {port}: not allowed for this user; use a port above 1023") from None
        except OSError as exc:
            raise SimInputError(f"--port {port} on {host}: already in use or not available ({exc.strerror}); "
                                "pick another with --port") from None


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


def server_env(region: str) -> dict[str, str]:
    from .app import REGION_ENV

    env = dict(os.environ)
    env.update(OFFLINE_ENV)
    env[REGION_ENV] = region
    return env


def cmd_app(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("solara") is None:
        raise SimInputError("the browser view needs the app extra: pip install -e '.[app]'")
    region = check_region(args.region)
    check_port(args.host, args.port)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    if args.host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
        print(f"sim app: listening on every network interface ({args.host}); anyone who can reach this "
              "machine can open the page", file=sys.stderr)
    elif args.host not in LOCAL_HOSTS:
        print(f"sim app: listening on {args.host}; other machines on that network can open the page",
              file=sys.stderr)
    print(f"sim app: {region} at http://{shown}:{args.port}/  (Ctrl-C to stop)", flush=True)
    from .procs import die_with_parent

    # the server dies with this wrapper even if it is killed (-9); SIGTERM here unwinds to stop(proc) below
    proc = subprocess.Popen(server_command(args.host, args.port), env=server_env(region),
                            stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    try:
        rc = proc.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches the server too (same process group); wait for it
        stop(proc)
        rc = 0
    rc = _exit_code(rc)
    print("\nsim app: stopped" if rc == 0 else f"\nsim app: the server exited with code {rc}", file=sys.stderr)
    return rc


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Ask the server to stop (SIGINT, as Ctrl-C would), then terminate or kill it if it hangs."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting politely
            continue


def _exit_code(rc: int) -> int:
    """0 when the server stopped because it was asked to (Ctrl-C or a termination signal)."""
    if rc < 0 and -rc in (signal.SIGINT, signal.SIGTERM):
        return 0
    return rc
