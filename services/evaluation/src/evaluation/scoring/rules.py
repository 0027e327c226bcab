"""Pure rules of the scoring model."""

from collections import Counter

from evaluation.scoring.models import ScoringModel

# DB 31114/Z 017-2025 4.2: "总分 100 分".
TOTAL_POINTS = 100


def scoring_model_problems(model: ScoringModel) -> list[str]:
    """Everything that makes `model` unusable; empty when it is sound. Codes are unique, each factor belongs to its
    group, each group's points are the sum of its factors' and the maxima add up to 100."""
    problems: list[str] = []
    for kind, codes in (
        ("group", [group.code for group in model.groups]),
        ("factor", [factor.code for factor in model.factors]),
    ):
        problems += [f"{kind} code {code} appears {count} times" for code, count in Counter(codes).items() if count > 1]
    for group in model.groups:
        problems += [
            f"factor {factor.code} is not named after its group {group.code}"
            for factor in group.factors
            if not factor.code.startswith(f"{group.code}.")
        ]
        factor_points = sum(factor.max_points for factor in group.factors)
        if factor_points != group.max_points:
            problems.append(
                f"group {group.code} has {group.max_points} points but its factors add up to {factor_points}"
            )
    factor_total = sum(factor.max_points for factor in model.factors)
    if model.total_points != TOTAL_POINTS:
        problems.append(f"the model totals {model.total_points} points, not {TOTAL_POINTS}")
    if factor_total != model.total_points:
        problems.append(f"the factors add up to {factor_total} points, not {model.total_points}")
    return problems
