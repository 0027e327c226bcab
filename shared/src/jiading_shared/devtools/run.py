"""`make run`: the embedded suite on one machine — tansu broker, SQLite per service, the five services.

Starts the broker on 127.0.0.1:9092 (or uses one already listening there), starts each service with its relay,
consumers and schedulers (each migrates its SQLite database on start), waits until every /readyz answers, prints
where everything is, and stops every process it started on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from jiading_shared.suite import SERVICES, SuiteService
from jiading_shared.testing.broker import TansuBroker, port_open

BROKER_PORT = 9092


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--var-dir", default="var", help="SQLite files and logs")
    parser.add_argument("--broker-port", type=int, default=BROKER_PORT)
    parser.add_argument("--port-offset", type=int, default=0, help="add to every service port (8001-8005)")
    parser.add_argument("--ready-timeout", type=float, default=120.0)
    parser.add_argument("--exit-when-ready", action="store_true", help="start, check, stop (used by the tests)")
    args = parser.parse_args(argv)

    var_dir = Path(args.var_dir).resolve()
    (var_dir / "logs").mkdir(parents=True, exist_ok=True)
    broker: TansuBroker | None = None
    children: list[tuple[SuiteService, subprocess.Popen[bytes]]] = []
    stopping = False

    def stop_all(*_args: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        # A second Ctrl-C or SIGTERM must not interrupt the orderly stop of the children.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\nstopping ...", flush=True)
        for _service, process in children:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for service, process in children:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"  {service.name} did not stop in time; killing it", flush=True)
                process.kill()
        if broker is not None:
            broker.stop()

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    bootstrap = f"127.0.0.1:{args.broker_port}"
    try:
        if port_open("127.0.0.1", args.broker_port):
            print(f"a broker already listens on {bootstrap}; using it", flush=True)
        else:
            broker = TansuBroker(port=args.broker_port, log_path=var_dir / "logs" / "tansu.log")
            broker.start()
            print(f"tansu broker on {bootstrap} (memory only)", flush=True)
        ports = {service.name: service.port + args.port_offset for service in SERVICES}
        for service in SERVICES:
            if port_open("127.0.0.1", ports[service.name]):
                raise SystemExit(f"port {ports[service.name]} for {service.name} is taken; stop what uses it first")
            env = {
                **os.environ,
                f"{service.env_prefix}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                f"{service.env_prefix}VAR_DIR": str(var_dir),
            }
            log = open(var_dir / "logs" / f"{service.name}.log", "ab")  # noqa: SIM115 - owned by the child
            process = subprocess.Popen(
                [sys.executable, "-m", service.package, "--port", str(ports[service.name])],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            children.append((service, process))
        deadline = time.monotonic() + args.ready_timeout
        waiting = {service.name for service in SERVICES}
        while waiting and time.monotonic() < deadline:
            for service, process in children:
                if process.poll() is not None:
                    raise SystemExit(
                        f"{service.name} exited ({process.returncode}); see {var_dir}/logs/{service.name}.log"
                    )
                if service.name in waiting and _ready(ports[service.name]):
                    waiting.discard(service.name)
            time.sleep(0.3)
        if waiting:
            raise SystemExit(f"not ready after {args.ready_timeout:.0f} s: {', '.join(sorted(waiting))}")
        print(_table(bootstrap, var_dir, ports), flush=True)
        if args.exit_when_ready:
            return 0
        print("Ctrl-C stops everything.", flush=True)
        while True:
            for service, process in children:
                if process.poll() is not None:
                    raise SystemExit(f"{service.name} exited ({process.returncode}); see its log")
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all()


def _table(bootstrap: str, var_dir: Path, ports: dict[str, int]) -> str:
    lines = [
        "",
        f"{'service':<16} {'API docs':<32} {'metrics':<34} ready",
        f"{'-' * 16} {'-' * 32} {'-' * 34} -----",
    ]
    for service in SERVICES:
        base = f"http://127.0.0.1:{ports[service.name]}"
        lines.append(f"{service.name:<16} {base + '/docs':<32} {base + '/metrics':<34} yes")
    lines += [
        "",
        f"broker: {bootstrap}    databases and logs: {var_dir}",
        "token:  make token ROLE=admin   (then: curl -H 'Authorization: Bearer <token>' ...)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
