"""Score distribution of published results for the evaluation dashboard (DB 31114/Z 017: 100 points). Observed once
per published version (a revision is observed again, with its new total); no labels, so no ids."""

from prometheus_client import Histogram

PUBLISHED_SCORES = Histogram(
    "evaluation_published_score",
    "Totals (out of 100) of published and revised evaluation results.",
    buckets=(50, 60, 70, 80, 85, 90, 95, 100),
)
