# Vierphasen: one stateless app instance. Configuration only by environment variables (README "Operation").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIERPHASEN_DATA_DIR=/data

# curl only for the HEALTHCHECK; no compiler needed (psycopg[binary], argon2-cffi and pydantic ship wheels)
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/vierphasen --uid 10001 vierphasen \
    && mkdir -p /data && chown vierphasen:vierphasen /data

WORKDIR /app
# dependencies first (cached layer), then the code
COPY pyproject.toml README.md constraints.txt ./
COPY app.py cli.py config.py dates.py errors.py glyphs.py memory.py ./
COPY schemas/ schemas/
COPY services/ services/
COPY storage/ storage/
COPY documents/ documents/
COPY pages/ pages/
COPY .streamlit/ .streamlit/
# The shipped Erklärung zur Barrierefreiheit (VIERPHASEN_BARRIEREFREIHEIT_DATEI may name the installation's own).
COPY deploy/barrierefreiheit.md deploy/
# constraints.txt pins every transitive dependency: the image gets the versions the tests ran with
RUN pip install -c constraints.txt . && chown -R root:root /app

USER vierphasen
# TinyDB data (pilot, one instance) lives here; with VIERPHASEN_DATABASE_URL set it stays unused.
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://localhost:8501/_stcore/health || exit 1

CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0", \
     "--server.headless", "true"]
