FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Fonts for names in Chinese, Japanese and Korean, and for emoji, in charts (bot/charts/style.py)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-symbola \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml requirements.lock README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir -c requirements.lock . && useradd --create-home bot \
    && mkdir /backups && chown bot /backups
USER bot
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz')"
CMD ["coalition-bot", "serve"]
