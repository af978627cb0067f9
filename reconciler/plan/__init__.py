"""The plan stage: desired state against live state, as data (see ``model``)."""
