# Production image: one image for web (gunicorn), Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries and a font for the PDFs; curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY clinic ./clinic
COPY intake ./intake
COPY sessions ./sessions
COPY integration ./integration
COPY controlled ./controlled
COPY fhir ./fhir
RUN pip install .
COPY . .

RUN SECRET_KEY=collectstatic-only CLINIC_VAR_DIR=/tmp/var STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home /app clinic \
    && mkdir -p /app/var && chown clinic /app/var

USER clinic
ENV STATIC_ROOT=/app/staticfiles CLINIC_VAR_DIR=/app/var
EXPOSE 8000
ENTRYPOINT ["bin/docker-entrypoint"]
CMD ["web"]
