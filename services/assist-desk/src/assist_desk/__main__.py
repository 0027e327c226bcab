"""`python -m assist_desk [--host H] [--port P]`: serve the assist-desk API (defaults: ASSIST_HOST/PORT)."""

from collections.abc import Sequence

from assist_desk.settings import AssistSettings
from jiading_shared.service import serve


def main(argv: Sequence[str] | None = None) -> None:
    serve(AssistSettings, "assist_desk.main:app_factory", argv)


if __name__ == "__main__":
    main()
