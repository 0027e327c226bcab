"""`python -m library_metrics [--host H] [--port P]`: serve the library-metrics API (defaults: LIBRARY_HOST/PORT)."""

from collections.abc import Sequence

from jiading_shared.service import serve
from library_metrics.settings import LibrarySettings


def main(argv: Sequence[str] | None = None) -> None:
    serve(LibrarySettings, "library_metrics.main:app_factory", argv)


if __name__ == "__main__":
    main()
