"""`python -m collection [--host H] [--port P]`: serve the collection API (defaults: COLLECTION_HOST/PORT)."""

from collections.abc import Sequence

from collection.settings import CollectionSettings
from jiading_shared.service import serve


def main(argv: Sequence[str] | None = None) -> None:
    serve(CollectionSettings, "collection.main:app_factory", argv)


if __name__ == "__main__":
    main()
