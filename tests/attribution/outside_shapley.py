"""Outside check of the Shapley model: journeys with known channel importance from the
``shapley-attribution`` package (MIT, test/bench only, never a run-time dependency), scored with
that package's normalized MAE beside the package's own estimators."""

from __future__ import annotations

from typing import Any

SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},
    "no-interactions": {"interaction_effects": 0.0},
    "strong-interactions": {"interaction_effects": 1.0},
    "ten-channels": {"n_channels": 10, "n_journeys": 10000},
    "low-conversion": {"base_conversion_rate": 0.1},
    "ordered-synergy": {"directed_interaction_strength": 0.3},
}
PACKAGE_MODELS = (
    "MonteCarloShapleyAttribution",
    "PathShapleyAttribution",
    "SimplifiedShapleyAttribution",
    "OrderedShapleyAttribution",
    "LinearAttribution",
    "LastTouchAttribution",
    "FirstTouchAttribution",
    "PositionBasedAttribution",
)


def compare(setting: dict[str, Any], seed: int) -> tuple[float, dict[str, float]]:
    """seedtrail's Shapley error and each package model's error on one generated problem."""
    import shapley_attribution as sa

    from seedtrail.attribution.datadriven import shapley_values

    journeys, conversions, truth, names = sa.make_attribution_problem(random_state=seed, **setting)[
        :4
    ]
    paths = [
        ([str(c) for c in j], float(y), float(1 - y))
        for j, y in zip(journeys, conversions, strict=True)
    ]
    ours = shapley_values(paths)
    mine = float(sa.normalized_mean_absolute_error(truth, [ours.get(str(c), 0.0) for c in names]))
    theirs: dict[str, float] = {}
    for name in PACKAGE_MODELS:
        cls = getattr(sa, name)
        kwargs = {"random_state": 0} if "random_state" in cls.__init__.__code__.co_varnames else {}
        model = cls(**kwargs).fit(journeys, conversions)
        theirs[name] = float(
            sa.normalized_mean_absolute_error(truth, model.get_attribution_array())
        )
    return mine, theirs
