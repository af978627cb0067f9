"""Stage 4, graph: the resolved resources and what depends on what (networkx)."""

from __future__ import annotations

from reconciler.graph.export import to_dot, to_json, to_mermaid
from reconciler.graph.program import ProgramGraph

__all__ = ["ProgramGraph", "to_dot", "to_json", "to_mermaid"]
