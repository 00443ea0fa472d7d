# An OCPI node: `ocpi serve` as the entry point, as a user without privileges.
# Build: docker build -t ocpi-node .    Run with PostgreSQL and push workers: docker compose up (compose.yaml).

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY ocpi ./ocpi
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OCPI_DB=sqlite:////var/lib/ocpi/ocpi.db
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/ocpi --create-home ocpi
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER 10001:10001
WORKDIR /var/lib/ocpi
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2).status != 200)"]
ENTRYPOINT ["ocpi", "serve"]
CMD ["--host", "0.0.0.0", "--port", "8000"]
