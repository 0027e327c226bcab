"""`make bench`: every benchmark of the suite, one after another — the event bus first, then each service's own
(`<package>.bench`, where a service has one). Each prints its figures; docs/benchmarks.md records them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from jiading_shared.suite import SERVICES


def main(argv: list[str] | None = None) -> int:
    extra = list(argv if argv is not None else sys.argv[1:])
    modules = ["jiading_shared.devtools.bench_bus"]
    modules += [f"{s.package}.bench" for s in SERVICES if importlib.util.find_spec(f"{s.package}.bench") is not None]
    failed = []
    for module in modules:
        print(f"== {module}", flush=True)
        if subprocess.run([sys.executable, "-m", module, *extra]).returncode != 0:
            failed.append(module)
    if failed:
        print(f"benchmarks that did not finish: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
