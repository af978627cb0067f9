"""Domain rules that live once: the compiler and the sandbox platform both call them."""
