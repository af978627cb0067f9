"""Renderers: walkers over one :class:`reconciler.plan.model.Plan` (text, markdown, JSON)."""
