"""The suite as `make load` runs it: a tansu broker, one fresh PostgreSQL database per service and the five services
as real uvicorn processes (relays, consumers and scheduled jobs running), each on a free port.

Processes can be stopped and started again (the fault run), and their resident memory read from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from jiading_shared.suite import SERVICES, SuiteService
from jiading_shared.testing.broker import TansuBroker, free_port
from jiading_shared.testing.postgres import create_database, drop_database, server_url


def rss_bytes(pid: int) -> int | None:
    """Resident set size of a process (VmRSS), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@dataclass
class ServiceProcess:
    service: SuiteService
    port: int
    database_url: str
    env: dict[str, str]
    log_path: Path
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        if self.workers > 1:
            command = [sys.executable, "-m", "uvicorn", f"{self.service.package}.main:app_factory", "--factory"]
            command += ["--port", str(self.port), "--workers", str(self.workers), "--log-config", os.devnull]
        else:
            command = [sys.executable, "-m", self.service.package, "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.starts += 1

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM (uvicorn finishes the requests in flight, the lifespan stops relay and consumers), then wait."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def wait_ready(self, timeout_s: float = 120.0) -> float:
        """Seconds until /readyz answers 200 (database and broker reachable)."""
        started = time.monotonic()
        deadline = started + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.service.name} exited ({self.process.returncode}); see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.service.name} not ready after {timeout_s:.0f} s; see {self.log_path}")

    def pids(self) -> list[int]:
        """The server process and, with several uvicorn workers, its worker processes."""
        if self.process is None:
            return []
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            pids += [int(child) for child in children]
        except OSError:
            pass
        return pids

    def rss(self) -> int:
        return sum(value for value in (rss_bytes(pid) for pid in self.pids()) if value is not None)


@dataclass
class LoadSuite:
    """Broker, databases and service processes of one load run."""

    run_dir: Path
    workers: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    broker: TansuBroker | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    admin_url: str = ""
    _throwaway: object | None = None

    def start(self) -> None:
        logs = self.run_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.admin_url, self._throwaway = server_url()
        self.broker = TansuBroker(port=free_port(), log_path=logs / "tansu.log")
        self.broker.start()
        for service in SERVICES:
            url = create_database(self.admin_url, prefix=f"load_{service.short_name}")
            prefix = service.env_prefix
            env = {
                **os.environ,
                f"{prefix}DATABASE_URL": url,
                f"{prefix}KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
                f"{prefix}VAR_DIR": str(self.run_dir / "var"),
                # One JSON access-log line per request at INFO would put the disk in the measurement.
                f"{prefix}LOG_LEVEL": "WARNING",
                **{key.replace("{prefix}", prefix): value for key, value in self.extra_env.items()},
            }
            self.services[service.name] = ServiceProcess(
                service, free_port(), url, env, logs / f"{service.name}.log", workers=self.workers
            )
        for process in self.services.values():
            process.start()
        for process in self.services.values():
            process.wait_ready()

    def stop(self, drop: bool = True) -> None:
        for process in self.services.values():
            process.stop()
        if self.broker is not None:
            self.broker.stop()
        if drop:
            for process in self.services.values():
                drop_database(self.admin_url, process.database_url)
            if self._throwaway is not None:
                self._throwaway.stop()  # type: ignore[attr-defined]

    def database_urls(self) -> dict[str, str]:
        return {name: process.database_url for name, process in self.services.items()}

    def rss(self) -> dict[str, int]:
        return {name: process.rss() for name, process in self.services.items()}
