# One image recipe for the five services; the service is chosen by build arguments. Build from the repository root
# (each service depends on shared/), e.g.
#   docker build --build-arg SERVICE=collection --build-arg PACKAGE=collection --build-arg PORT=8001 \
#       -t jiading/collection:0.1.0 .
# (docker-compose.yml passes the arguments of every service; jiading_shared.suite.SERVICES lists them.)
# Multi-stage: dependencies are resolved against constraints.txt in a builder; the runtime image holds only the
# virtualenv, runs as a non-root user and writes only under /var/lib/jiading (uploaded files; a volume in production).
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ARG SERVICE
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN test -n "${SERVICE}" || { echo "build argument SERVICE is required (e.g. collection)" >&2; exit 1; }
RUN python -m venv /opt/venv
WORKDIR /src
COPY constraints.txt ./
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN /opt/venv/bin/pip install -c constraints.txt ./shared "./services/${SERVICE}"

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ARG PACKAGE
ARG PORT
RUN test -n "${PACKAGE}" && test -n "${PORT}" || { echo "build arguments PACKAGE and PORT are required" >&2; exit 1; }
LABEL org.opencontainers.image.title="jiading-${SERVICE}" org.opencontainers.image.version="0.1.0"
RUN groupadd --system --gid 10001 jiading \
    && useradd --system --uid 10001 --gid jiading --home-dir /var/lib/jiading --create-home jiading
COPY --from=builder /opt/venv /opt/venv
# The service's own settings read <PREFIX>VAR_DIR etc.; the image only needs to know what to start and where.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    JIADING_SERVICE_PACKAGE=${PACKAGE} \
    JIADING_SERVICE_PORT=${PORT}
WORKDIR /var/lib/jiading
USER 10001:10001
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['JIADING_SERVICE_PORT'] + '/healthz', timeout=2)"]
# A shell expands the variables; exec makes the service PID 1, so it receives SIGTERM directly.
CMD ["sh", "-c", "exec python -m \"$JIADING_SERVICE_PACKAGE\" --host 0.0.0.0 --port \"$JIADING_SERVICE_PORT\""]
