"""Shared by bench/scan.py and bench/load.py: run the Procfile's web command on a free loopback port.

The command is read from the Procfile's `web:` line, so a benchmark measures what production
runs (workers, worker class, access log). Only the bind address is replaced (a free port on
127.0.0.1), `$VARS` (and `${VAR:-default}`) are expanded from the server's environment, and a bare `gunicorn` becomes
this interpreter's `python -m gunicorn`, whatever PATH says.
"""

import http.client
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(process: str = "web", procfile: Path = ROOT / "Procfile") -> str:
    for line in procfile.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process:
            return command.strip()
    sys.exit(f"no '{process}:' line in {procfile}")


def web_argv(port: int, env: dict, procfile: Path = ROOT / "Procfile") -> list[str]:
    """The Procfile's web command as argv, bound to 127.0.0.1:`port`."""
    argv, skip = [], False
    for token in shlex.split(procfile_command("web", procfile)):
        if skip:
            skip = False
            continue
        if token in ("-b", "--bind"):
            skip = True
            continue
        if token.startswith("--bind="):
            continue
        argv.append(_expand(token, env))
    if argv and argv[0] == "gunicorn":
        argv = [sys.executable, "-m", "gunicorn", *argv[1:]]
    return [*argv, "--bind", f"127.0.0.1:{port}"]


def _expand(token: str, env: dict) -> str:
    """$NAME, ${NAME} and ${NAME:-default}, as the shell that runs a Procfile would."""

    def value(m):
        name = m["braced"] or m["bare"]
        return env.get(name) or (m["default"] if m["default"] is not None else env.get(name, ""))

    return re.sub(r"\$\{(?P<braced>\w+)(?::-(?P<default>[^}]*))?\}|\$(?P<bare>\w+)", value, token)


class WebServer:
    """`with WebServer(env, log_path) as server:` the Procfile's web process, ready, at server.port."""

    def __init__(
        self,
        env: dict,
        log_path: Path,
        probe: str = "/api/v1/scan/X/",
        argv: list[str] | None = None,
        port: int | None = None,
    ):
        self.port = port or free_port()
        self.env = {**env, "PORT": str(self.port)}
        self.argv = argv or web_argv(self.port, self.env)
        self.log_path = log_path
        self.probe = probe
        self.proc = None

    def __enter__(self):
        self.log_path.parent.mkdir(exist_ok=True)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.probe)
                conn.getresponse().read()
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__(None, None, None)
        sys.exit(f"the web server did not start ({shlex.join(self.argv)}); see {self.log_path}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return False

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
