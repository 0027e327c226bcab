from grid_dispatch.grids import models  # noqa: F401 (register the tables on the metadata)
from grid_dispatch.tables import metadata
from jiading_shared.migrations import run_env

run_env(metadata)
