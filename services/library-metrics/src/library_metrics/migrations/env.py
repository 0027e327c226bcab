from jiading_shared.migrations import run_env
from library_metrics.facilities import models  # noqa: F401 (register the tables on the metadata)
from library_metrics.tables import metadata

run_env(metadata)
