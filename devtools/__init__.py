"""Checks run on the project's environment rather than its code (`make audit`, `make licences`)."""
