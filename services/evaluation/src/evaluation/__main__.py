"""`python -m evaluation [--host H] [--port P]`: serve the evaluation API (defaults: EVALUATION_HOST/PORT)."""

from collections.abc import Sequence

from evaluation.settings import EvaluationSettings
from jiading_shared.service import serve


def main(argv: Sequence[str] | None = None) -> None:
    serve(EvaluationSettings, "evaluation.main:app_factory", argv)


if __name__ == "__main__":
    main()
