"""Engines: the work itself (speech and writing scoring, attempt scoring, speech synthesis, roster
and item file reading, e-mail and SMS rendering and senders), usable from a script. An engine
imports only `domain/`, `config/` (typed settings) and `schemas/` (row rules), never the store,
Flask or Celery; the job bodies that feed them from the store are in jobs/ (ADR 0021).
"""
