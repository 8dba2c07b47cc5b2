# tourflow API / worker image. The same image runs `tourflow api`, `tourflow worker`
# and `tourflow migrate`; docker-compose.yml wires it to PostgreSQL and Temporal.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TOURFLOW_DATA_DIR=/var/lib/tourflow

WORKDIR /app
COPY pyproject.toml README.md alembic.ini worker.py ./
COPY tourflow ./tourflow
COPY domain ./domain
COPY activities ./activities
COPY workflows ./workflows
COPY api ./api
COPY adapters ./adapters
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 tourflow \
    && mkdir -p /var/lib/tourflow && chown tourflow /var/lib/tourflow

USER tourflow
EXPOSE 8000
CMD ["tourflow", "api"]
