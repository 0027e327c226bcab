"""`python -m evaluation [--host H] [--port P]`: serve the evaluation API (defaults: EVALUATION_HOST/PORT)."""

import argparse
from collections.abc import Sequence

import uvicorn

from evaluation.settings import EvaluationSettings


def main(argv: Sequence[str] | None = None) -> None:
    settings = EvaluationSettings()
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args(argv)
    # log_config=None: uvicorn's loggers go through the service's structured logging (set up by create_app).
    uvicorn.run("evaluation.main:app_factory", factory=True, host=args.host, port=args.port, log_config=None)


if __name__ == "__main__":
    main()
