"""Shopper recommendations: train on implicit purchases, save/load artefacts, serve from memory.

Which blend is served is chosen per deployment: `train_with_chosen_blend` (run by every
`techan analytics refresh`) backtests a small grid of blends on the deployment's own last 28
days against popularity and each shopper's own most-bought items, serves the best by recall@10
(never worse than the better baseline) and stores the table in the artefact (`backtest.py`).
With too little history it serves the defaults below.

The defaults, chosen with `bench/reco.py` on The Complete Journey. Weights were tuned on
October 2017 (trained before it); the figures are from the Nov–Dec 2017 test, as multiples of
28-day popularity:

- `for_shopper` blends, per shopper and each part scaled to its maximum, 0.9 × the shopper's own
  purchases (counts with a 120-day half-life) + 0.1 × EASE (λ 500, the 6,000 most-bought items,
  cut to 50 neighbours per item) + 0.02 × popularity in the shopper's city.
  Recall@10 2.16× and NDCG@10 1.99× on all items; on items new to the shopper, 1.09× and 1.11×.
  With the serving rules (at most 3 items from one producer): 2.07× and 1.94×.
  Why a blend: grocery shoppers mostly buy again. Their own purchases alone score 2.14× recall,
  and EASE alone 1.25×, but only EASE finds new items (own purchases alone: 1.00×). Co-occurrence
  cosine (0.96×) and lift (0.26×) score a shopper worse than plain popularity.
- `also_bought` uses asymmetric cosine, co(i, j) / (n_i^0.7 · n_j^0.3). It completes
  baskets 0.89× as well as popularity (NDCG), against 0.75× for cosine, 0.55× for EASE rows and
  0.26× for lift. In grocery baskets the staples that everyone buys are hard to beat. The list is
  meant for associations, like the honey → Liubao tea pair in the tests.
- Rules: only available items from the catalog; in-season items ×1.2; a seasonal product the
  shopper bought within 400 days leads the list when its harvest is back; a shopper unknown to
  the model gets their city's recent favourites, then overall ones.

Training on all 1.47 M lines takes about 11 s of CPU (2 cores). A request costs about 0.3 ms of
CPU (p99 0.5 ms) and only walks the shopper's history and the precomputed neighbour lists.
"""

from recommender.reco.artefact import list_versions, load_model, save_model
from recommender.reco.backtest import BlendChoice, choose_blend, train_with_chosen_blend
from recommender.reco.config import RecoConfig
from recommender.reco.models import RecoModel, train_recommender
from recommender.reco.serving import ItemInfo, Recommendation, Recommender

__all__ = [
    "BlendChoice",
    "ItemInfo",
    "RecoConfig",
    "RecoModel",
    "Recommendation",
    "Recommender",
    "list_versions",
    "load_model",
    "choose_blend",
    "save_model",
    "train_recommender",
    "train_with_chosen_blend",
]
