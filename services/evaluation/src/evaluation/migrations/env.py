from evaluation.projects import models as _projects  # noqa: F401 (register the tables on the metadata)
from evaluation.providers import models as _providers  # noqa: F401
from evaluation.rounds import models as _rounds  # noqa: F401
from evaluation.scoring import models as _scoring  # noqa: F401
from evaluation.tables import metadata
from jiading_shared.migrations import run_env

run_env(metadata)
