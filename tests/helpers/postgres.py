"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, listen on loopback.

initdb refuses to run as root, so as root (CI is) the server runs as the `postgres`
account that Debian's package creates, or else as a system account made here.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ACCOUNT_MADE_HERE = "cse-pdf-test-pg"


def find_bin(name: str) -> str | None:
    """A PostgreSQL program on PATH, or in Debian's versioned folder (which is not on PATH)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_account() -> str | None:
    """None: run as ourselves. As root: `postgres`, else an account made for the tests."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", ACCOUNT_MADE_HERE):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ACCOUNT_MADE_HERE],
                   check=True, capture_output=True)
    return ACCOUNT_MADE_HERE


class PostgresServer:
    def __init__(self) -> None:
        initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise FileNotFoundError("initdb/pg_ctl not found (install Debian's postgresql package)")
        self.pg_ctl = pg_ctl
        self.account = _server_account()
        self.root = Path(tempfile.mkdtemp(prefix="cse-pdf-pg-"))  # in /tmp: reachable by the server's account
        self.data = self.root / "data"
        self.port = _free_port()
        if self.account:
            shutil.chown(self.root, self.account)
        self._run([initdb, "-D", str(self.data), "-U", "cse", "-A", "trust", "-E", "UTF8", "--no-locale"])
        log = self.root / "server.log"
        self._run([pg_ctl, "-D", str(self.data), "-l", str(log), "-w", "-t", "60", "-o",
                   f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off", "start"])
        self.url = f"postgresql://cse@127.0.0.1:{self.port}/postgres"

    def _run(self, cmd: list[str]) -> None:
        if self.account:
            cmd = ["runuser", "-u", self.account, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr or result.stdout}")

    def new_database(self, name: str) -> str:
        """A fresh, empty database; its postgresql:// URL."""
        import psycopg

        for attempt in range(50):
            try:
                with psycopg.connect(f"host=127.0.0.1 port={self.port} user=cse dbname=postgres",
                                     autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                break
            except psycopg.OperationalError:
                if attempt == 49:
                    raise
                time.sleep(0.1)
        return f"postgresql://cse@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
