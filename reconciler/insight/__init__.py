"""Insight: who a program reaches, why, and when, computed from the specs without writing.

Pure functions over a compiled :class:`~reconciler.model.DesiredState` and a
:class:`~reconciler.rules.audience.Directory`, each returning frozen data that the CLI
(and the plan's renderers) turn into text: audience reports, a learner's explanation,
assignment overlaps, schedule previews and gantt charts, and a load simulation.
"""
