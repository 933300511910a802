"""The repository's command-line entry points (the shell scripts here) and their Python parts.

A regular package, so ``python -m scripts.devenv`` from the repository root always finds this
folder, whatever else is installed.
"""
