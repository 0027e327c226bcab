from collection import models  # noqa: F401 (register the tables on the metadata)
from collection.tables import metadata
from jiading_shared.migrations import run_env

run_env(metadata)
