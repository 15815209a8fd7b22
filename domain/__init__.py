"""Shared vocabulary and rules with no I/O: the access policy, job kinds and queues,
notification kinds, ids, file types, phone numbers and CSV safety.

Every layer may import this package; it imports nothing of ours, so nothing here can
pull an engine, Flask or Celery into a process that does not need them.
"""
