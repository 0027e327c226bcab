"""`python -m grid_dispatch [--host H] [--port P]`: serve the grid-dispatch API (defaults: GRID_HOST/PORT)."""

import argparse
from collections.abc import Sequence

import uvicorn

from grid_dispatch.settings import GridSettings


def main(argv: Sequence[str] | None = None) -> None:
    settings = GridSettings()
    parser = argparse.ArgumentParser(prog="python -m grid_dispatch", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args(argv)
    # log_config=None: uvicorn's loggers go through the service's structured logging (set up by create_app).
    uvicorn.run("grid_dispatch.main:app_factory", factory=True, host=args.host, port=args.port, log_config=None)


if __name__ == "__main__":
    main()
