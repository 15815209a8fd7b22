"""Job bodies: what a task runs for a job, reading and writing the store (store/, services/) and
calling the engines in workers/ for the work itself. No Flask or Celery here: tasks/ calls these
with the job's parameters (tasks -> jobs -> workers, services, store; ADR 0021).
"""
