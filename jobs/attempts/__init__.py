"""The work behind taking a test: scoring each answer with its engine, settling an attempt's
result, finishing attempts past their deadline, releasing results, telling students (assigned,
results released) and writing reports. Called by tasks/assessment.py; no Flask or Celery here.
"""
