"""Reviewer checks: the rules that flag risky blocks, and the numbers they compare."""
