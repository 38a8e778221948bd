"""CrossGuard policy pack of the govcloud stacks; the checks live in rules.py as plain functions."""
