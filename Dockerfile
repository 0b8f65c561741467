# One image shape for the four services, chosen by build arguments (from the repository root):
#   docker build --build-arg ROLE=gateway --build-arg PORT=8000 --build-arg ENV_PREFIX=GATEWAY_ \
#       -t incline/gateway .
# ROLE is the package and its pip extra (pyproject.toml), PORT its default port, ENV_PREFIX the
# prefix of its settings class. docker-compose.yml and deploy/k8s pass the three for each role;
# tests/stack/test_compose.py checks them against the settings classes.
# The `models` target is the model repository alone, for clusters that take the models from an
# image (deploy/k8s copies them into each pod at start):
#   docker build --target models -t incline/models .
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 incline && mkdir -p /data && chown incline /data
COPY pyproject.toml README.md ./
COPY servicekit ./servicekit


FROM busybox:1.37 AS models
COPY models /models


FROM base AS service
ARG ROLE
ARG PORT
ARG ENV_PREFIX
RUN test -n "${ROLE}" && test -n "${PORT}" && test -n "${ENV_PREFIX}" \
    || { echo "build with --build-arg ROLE=... PORT=... ENV_PREFIX=..." >&2; exit 1; }
COPY ${ROLE} ./${ROLE}
# The catalog's OpenNGC comes inside the pyongc wheel: no internet is needed for lookups.
RUN pip install ".[${ROLE}]"

USER incline
# A catalog user table, if any, is mounted read-only and named by CATALOG_USER_TABLE.
ENV ROLE=${ROLE} \
    PORT=${PORT} \
    ${ENV_PREFIX}HOST=0.0.0.0 \
    ${ENV_PREFIX}PORT=${PORT} \
    ${ENV_PREFIX}DATA_DIR=/data
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
CMD ["sh", "-c", "exec python -m \"$ROLE\""]
