# syntax=docker/dockerfile:1
# Build stage: install llmbot and its dependencies into a virtualenv.
FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# README.md* so the build still works while the repo has no README (pyproject names it).
COPY pyproject.toml README.md* ./
COPY bot ./bot
COPY commands ./commands
COPY integrations ./integrations
COPY sandbox ./sandbox
RUN pip install .

# Final stage: only the virtualenv, run as an unprivileged user.
FROM python:3.11-slim
RUN groupadd --gid 10001 llmbot \
 && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin llmbot \
 && mkdir -p /var/lib/llmbot \
 && chown 10001:10001 /var/lib/llmbot
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    LLMBOT_DB=/var/lib/llmbot/llmbot.db \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
VOLUME /var/lib/llmbot
USER 10001
EXPOSE 3000
ENTRYPOINT ["llmbot"]
CMD ["serve"]
