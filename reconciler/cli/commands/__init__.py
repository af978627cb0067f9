"""One module per ``learnops`` command, each with ``register(subparsers)``."""
