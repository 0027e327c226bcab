"""`python -m grid_dispatch [--host H] [--port P]`: serve the grid-dispatch API (defaults: GRID_HOST/PORT)."""

from collections.abc import Sequence

from grid_dispatch.settings import GridSettings
from jiading_shared.service import serve


def main(argv: Sequence[str] | None = None) -> None:
    serve(GridSettings, "grid_dispatch.main:app_factory", argv)


if __name__ == "__main__":
    main()
