"""A throwaway PostgreSQL cluster from the server binaries on the machine.

initdb refuses to run as root, so as root the cluster runs as the `postgres` system
user (Debian's server package creates it). The socket and data live in a temporary
directory; the port is a free one on loopback.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_pg_bin() -> Path | None:
    if found := shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return versions[0].parent if versions else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgCluster:
    bindir: Path
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    @classmethod
    def start(cls) -> PgCluster:
        bindir = find_pg_bin()
        if bindir is None:
            raise RuntimeError("no PostgreSQL server binaries (pg_ctl) on this machine")
        root = Path(tempfile.mkdtemp(prefix="mynumbercard-pg-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        cluster = cls(bindir, root, free_port())
        cluster._run("initdb", "-D", str(root / "data"), "-U", "postgres", "--auth=trust",
                     "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        cluster._run("pg_ctl", "-D", str(root / "data"), "-o", options, "-l",
                     str(root / "log"), "-w", "start")
        return cluster

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
