"""Start-up: load the shopper recommender into app.state; follow catalog changes."""

from __future__ import annotations

from fastapi import FastAPI

from service.analytics.training import reco_dir_in
from service.kit.db import session_scope
from service.recommendations.serving import RecommenderHolder


def on_app_start(app: FastAPI) -> None:
    """Load the current model (if one was saved) so the first request does not pay for it."""
    holder = RecommenderHolder(reco_dir_in(app.state.settings.artefact_dir))
    app.state.recommendations = holder
    with session_scope(app.state.engine, readonly=True) as session:
        holder.current(session)
