"""GitOps: the platform follows a branch. ``git`` fetches, ``cycle`` compiles, plans,
gates and applies one revision, ``loop`` repeats it, ``server`` and ``notify`` tell
people how it went (see ``service`` for how the parts are wired)."""
