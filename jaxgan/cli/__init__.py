"""The command-line tools behind `python -m jaxgan.<command>`; thin shims over the library."""
