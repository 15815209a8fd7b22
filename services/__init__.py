"""Operations that both the API and the workers call: asking for a message (`notify`) and
issuing single-use tokens with their message (`invitations`). They write through `store/`
and publish through a kicker registered at start-up; they import no engine, Flask or Celery.
"""
