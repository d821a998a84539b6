# newsbot as a container: `docker build -t cited-newsbot .`, then see compose.yaml (or README "Running as a service").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The known-good versions (constraints.txt, refreshed by scripts/lock), then the bot.
COPY pyproject.toml README.md LICENSE constraints.txt ./
COPY bot ./bot
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --system --create-home --uid 10001 newsbot \
    && mkdir -p /data && chown newsbot:newsbot /data
COPY corpus ./corpus

# The data folder (.env, .newsbot/: index, added articles, compiled search loops); the shipped
# articles stay in the image unless NEWSBOT_CORPUS_DIR points into /data.
ENV NEWSBOT_HOME=/data \
    NEWSBOT_CORPUS_DIR=/app/corpus
VOLUME ["/data"]
USER newsbot

HEALTHCHECK --interval=5m --timeout=30s --start-period=2m --retries=3 CMD ["python", "-m", "bot", "doctor"]
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
