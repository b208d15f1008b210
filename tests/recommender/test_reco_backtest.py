"""Choosing the served blend on a deployment's own history, on differently shaped histories."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from catalog_seed.shaped_histories import (
    co_purchase_history,
    repeat_buying_history,
    seed_interactions,
    short_history,
)
from recommender.reco import (
    BlendChoice,
    ItemInfo,
    RecoConfig,
    Recommender,
    choose_blend,
    load_model,
    save_model,
    train_recommender,
)
from recommender.reco.backtest import (
    NO_DECAY_DAYS,
    OWN_MOST_BOUGHT,
    POPULARITY,
    BacktestRow,
    _candidate,
    _pick,
    default_grid,
    evaluate_blends,
    train_with_chosen_blend,
)
from recommender.reco.data import decayed_counts
from recommender.reco.evaluation import evaluate_scorer, prepare_temporal_split
from recommender.reco.models import item_popularity, shopper_neighbours
from recommender.reco.scorers import blend_scorer

END = pd.Timestamp("2026-11-30", tz="UTC")
HOLDOUT_AT = END - pd.Timedelta(days=28)


@pytest.fixture(scope="module")
def repeat_buying() -> pd.DataFrame:
    return repeat_buying_history(end=END, shoppers=400)


@pytest.fixture(scope="module")
def co_purchase() -> pd.DataFrame:
    return co_purchase_history(end=END)


@pytest.fixture(scope="module")
def choices(repeat_buying: pd.DataFrame, co_purchase: pd.DataFrame) -> dict[str, BlendChoice]:
    return {
        "repeat buying": choose_blend(repeat_buying, now=END),
        "co-purchase": choose_blend(co_purchase, now=END),
        "seed simulator": choose_blend(seed_interactions(end=END, scale=0.1), now=END),
    }


def row(choice: BlendChoice, name: str) -> BacktestRow:
    return next(r for r in choice.rows if r.name == name)


def test_repeat_buying_serves_at_least_the_shoppers_own_most_bought(
    choices: dict[str, BlendChoice],
) -> None:
    choice = choices["repeat buying"]
    chosen = row(choice, choice.chosen)
    assert chosen.recall >= row(choice, OWN_MOST_BOUGHT).recall
    # The shop-independent default (0.9 own with a 120-day half-life, 0.1 EASE) loses here.
    default = row(choice, "own 120 d 0.9 + EASE 0.1 + pop 0.02")
    assert chosen.recall > default.recall
    assert choice.config.blend_repeat > 0


def test_co_purchase_history_turns_the_model_on_and_beats_popularity(
    choices: dict[str, BlendChoice],
) -> None:
    choice = choices["co-purchase"]
    assert choice.config.blend_model > 0
    chosen = row(choice, choice.chosen)
    assert chosen.recall > 2 * row(choice, POPULARITY).recall
    assert chosen.recall > row(choice, OWN_MOST_BOUGHT).recall
    assert chosen.new_recall > 2 * row(choice, POPULARITY).new_recall


@pytest.mark.parametrize("shape", ["repeat buying", "co-purchase", "seed simulator"])
def test_served_blend_is_never_worse_than_the_better_baseline(
    choices: dict[str, BlendChoice], shape: str
) -> None:
    choice = choices[shape]
    assert choice.holdout_shoppers >= 30
    baselines = max(row(choice, POPULARITY).recall, row(choice, OWN_MOST_BOUGHT).recall)
    assert row(choice, choice.chosen).recall >= baselines
    assert choice.chosen in choice.reason


def test_a_grid_without_both_baselines_is_refused(co_purchase: pd.DataFrame) -> None:
    grid = [c for c in default_grid(RecoConfig()) if c.name != OWN_MOST_BOUGHT]
    with pytest.raises(ValueError, match="lacks the baselines"):
        choose_blend(co_purchase, now=END, grid=grid)


def test_too_short_history_falls_back_to_the_default_with_the_reason() -> None:
    config = RecoConfig(ease_lambda=50.0)
    choice = choose_blend(short_history(end=END), now=END, config=config)
    assert choice.config == config
    assert choice.rows == ()
    assert choice.reason.startswith("not enough history")
    assert choice.to_dict()["chosen"] == "default"


def test_batched_blend_scores_match_the_plain_blend_scorer(co_purchase: pd.DataFrame) -> None:
    """The grid's shared-parts evaluation agrees with `blend_scorer` through `evaluate_scorer`."""
    config = RecoConfig()
    split = prepare_temporal_split(co_purchase, at=HOLDOUT_AT, until=END)
    candidates = [c for c in default_grid(config) if c.half_life_days == 30.0]
    batched = evaluate_blends(split, candidates, config=config)
    popularity = item_popularity(split.data, window_days=config.popularity_window_days)
    neighbours = shopper_neighbours(split.bought, config=config, also_bought=None).as_sparse()
    repeat = decayed_counts(split.data, half_life_days=30.0)
    for candidate in candidates:
        scorer = blend_scorer(
            split.bought,
            repeat=repeat,
            neighbours=neighbours,
            popularity=popularity / popularity.max(),
            config=candidate.config(config),
        )
        every, new = evaluate_scorer(split, scorer)
        assert batched[candidate.name][0].recall == pytest.approx(every.recall, abs=0.01)
        assert batched[candidate.name][0].ndcg == pytest.approx(every.ndcg, abs=0.01)
        assert batched[candidate.name][1].recall == pytest.approx(new.recall, abs=0.01)


def _rows(recalls: dict[str, float]) -> list[BacktestRow]:
    return [BacktestRow(name, r, r, 0.0, 1.0, 1.0) for name, r in recalls.items()]


def test_a_tie_goes_to_the_simpler_blend_but_never_below_a_baseline() -> None:
    popularity = _candidate(POPULARITY, 0.0, 0.0, 1.0, days=30.0)
    own = _candidate(OWN_MOST_BOUGHT, 1.0, 0.0, 0.0, days=30.0)
    blend = _candidate("blend", 0.9, 0.1, 0.02, days=30.0)
    grid = [popularity, own, blend]
    assert _pick(grid, _rows({POPULARITY: 0.1, OWN_MOST_BOUGHT: 0.499, "blend": 0.5})) == own
    assert _pick(grid, _rows({POPULARITY: 0.1, OWN_MOST_BOUGHT: 0.45, "blend": 0.5})) == blend
    # Popularity ties the best but own history is higher: popularity would break the guarantee.
    assert _pick(grid, _rows({POPULARITY: 0.499, OWN_MOST_BOUGHT: 0.5, "blend": 0.5})) == own


def test_the_chosen_blend_is_trained_and_its_table_saved_with_the_model(
    co_purchase: pd.DataFrame, tmp_path: Path
) -> None:
    model, choice = train_with_chosen_blend(co_purchase, now=END)
    assert model.config == choice.config
    version = save_model(model, tmp_path)
    text = (version / "metadata.json").read_text(encoding="utf-8")

    def no_constants(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    stored = json.loads(text, parse_constant=no_constants)["backtest"]
    assert stored == choice.to_dict()
    assert load_model(tmp_path).backtest == stored
    assert [r["name"] for r in stored["rows"]][:2] == [POPULARITY, OWN_MOST_BOUGHT]
    assert stored["blend"]["model"] == choice.config.blend_model


def test_a_blend_without_the_model_skips_it_and_serves_own_most_bought(
    repeat_buying: pd.DataFrame,
) -> None:
    config = RecoConfig(
        blend_repeat=1.0, blend_model=0.0, blend_popularity=0.0, repeat_half_life_days=NO_DECAY_DAYS
    )
    model = train_recommender(repeat_buying, now=END, config=config)
    assert (model.shopper_neighbours.items == -1).all()
    items = [ItemInfo(c, c, "p1", True, ()) for c in model.items.tolist()]
    listed = Recommender(model, items).for_shopper("s0", city=None, month=6, limit=5)
    row = model.shoppers.tolist().index("s0")
    counts = repeat_buying.loc[repeat_buying["shopper_id"] == "s0", "item"].value_counts()
    assert listed[0].code == model.items[model.history.row(row)[0][0]]
    assert counts[listed[0].code] == counts.max()
