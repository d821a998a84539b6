"""A throw-away PostgreSQL server for the tests: the Debian ``postgresql`` package's binaries,
``initdb`` into a temporary folder, a free port on 127.0.0.1, stopped and deleted at the end.

PostgreSQL refuses to run as root; as root the server runs as the ``postgres`` user the package
creates. Without the binaries the tests that need it are skipped, unless ``NEWSBOT_TEST_POSTGRES``
is ``required`` (set by ``.ci/run``, which installs the package), where they fail instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REQUIRED = "required"


def find_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on the PATH, else the newest
    ``/usr/lib/postgresql/<version>/bin``."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running server; ``url(database)`` to connect to it."""

    folder: Path
    port: int
    binaries: Path
    run_as: list[str]

    def url(self, database: str = "postgres", *, schema: str | None = None) -> str:
        options = f"?options=-csearch_path%3D{schema}" if schema else ""
        return f"postgresql://newsbot@127.0.0.1:{self.port}/{database}{options}"

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.binaries / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server() -> PostgresServer:
    """initdb and start a server (fsync off: the data is thrown away); raises ``RuntimeError``
    with the reason when it cannot."""
    binaries = find_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL's initdb/pg_ctl not found (Debian package 'postgresql')")
    folder = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse root
        runuser = shutil.which("runuser")
        if runuser is None:
            raise RuntimeError("running as root without runuser: cannot start PostgreSQL as another user")
        shutil.chown(folder, user="postgres")
        run_as = [runuser, "-u", "postgres", "--"]
    port = free_port()
    data = folder / "data"
    subprocess.run(
        [*run_as, str(binaries / "initdb"), "-D", str(data), "-U", "newsbot", "--auth=trust", "-E", "UTF8",
         "--locale=C", "--no-sync"],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
        "-c synchronous_commit=off -c max_connections=200"
    )
    subprocess.run(
        [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
         "-t", "60", "start"],
        capture_output=True, check=True, timeout=90,
    )  # fmt: skip
    return PostgresServer(folder=folder, port=port, binaries=binaries, run_as=run_as)
