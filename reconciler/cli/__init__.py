"""The command line: parse options, call one facade, map the result to an exit code."""
