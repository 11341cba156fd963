"""A private PostgreSQL server for the registry tests and benchmark: the Debian package's own
programs (initdb, pg_ctl) on a temporary folder, loopback only, stopped afterwards.

A server refuses to run as root, so as root it runs as the ``postgres`` account the package
makes. ESCAPE_DESKTOP_TEST_POSTGRES=required (set by .ci/run) turns "cannot start one" from
a skip into a failure; ESCAPE_DESKTOP_TEST_POSTGRES_URL uses a server already running
(an administrator's URL to its ``postgres`` database).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

REQUIRE_ENV = "ESCAPE_DESKTOP_TEST_POSTGRES"
URL_ENV = "ESCAPE_DESKTOP_TEST_POSTGRES_URL"
SUPERUSER = "escape"


class NoServer(Exception):
    """Why no PostgreSQL server can be had here (a sentence for the skip)."""


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").lower() == "required"


def _bindir() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    if which:
        return Path(which).parent
    raise NoServer(
        "PostgreSQL is not installed (no initdb): apt-get install postgresql to run these tests"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One running server; ``admin_url`` reaches its ``postgres`` database as superuser."""

    def __init__(self, *, fast: bool = True) -> None:
        self.folder: Path | None = None
        self.external = os.environ.get(URL_ENV)
        self.fast = fast
        self.admin_url = self.external or ""
        self._as: list[str] = []

    def _run(self, *cmd: str) -> None:
        done = subprocess.run(
            [*self._as, *cmd], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise NoServer(f"{Path(cmd[0]).name} failed: {(done.stderr or done.stdout).strip()}")

    def start(self) -> Server:
        if self.external:
            return self
        if sys.platform == "win32":
            raise NoServer("these tests start a PostgreSQL server on Linux and macOS only")
        bindir = _bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="escape-pg-"))
        if os.geteuid() == 0:
            import pwd

            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise NoServer("running as root and there is no postgres account") from None
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        data = self.folder / "data"
        self._run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        port = _free_port()
        options = f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1"
        if self.fast:  # tests: nothing here must survive a power cut
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-o",
            options,
            "start",
        )
        self.admin_url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
        return self

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            self._run(
                str(_bindir() / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop"
            )
        except NoServer:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def _admin(self, sql: str) -> None:
        import psycopg

        conninfo = self.admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as con:
            con.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        """A new empty database's URL (for one test)."""
        name = f"reg_{uuid.uuid4().hex[:12]}"
        self._admin(f"CREATE DATABASE {name}")
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    def drop_database(self, url: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def new_role(self, prefix: str) -> str:
        """A new login role with no rights yet (roles are the server's, not a database's)."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self._admin(f"CREATE ROLE {name} LOGIN")
        return name

    def url_as(self, url: str, role: str) -> str:
        """``url`` with another account (trust authentication on loopback: no password)."""
        rest = url.split("@", 1)[1]
        return f"postgresql+psycopg://{role}@{rest}"
