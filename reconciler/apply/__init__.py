"""The apply stage: make a plan real, in graph order, safely retried, under a lease."""
