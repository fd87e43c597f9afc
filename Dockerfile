# StyleBot on a CUDA-capable PyTorch base. Build: docker build -t stylebot .
# Run:   docker run --gpus all --env-file .env -v stylebot-data:/data stylebot
# (the volume keeps the database: server settings, presets and the job journal)
FROM pytorch/pytorch:2.9.1-cuda12.8-cudnn9-runtime

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 stylebot
WORKDIR /app

# Dependencies first (cached between code changes); the base image's torch satisfies the range.
COPY pyproject.toml README.md ./
COPY styleengine/__init__.py styleengine/
COPY bot/__init__.py bot/
RUN pip install .  && pip uninstall -y stylebot

COPY styleengine/ styleengine/
COPY bot/ bot/
RUN pip install --no-deps . && python -c "import styleengine.weights as w; w.load_weights('caffe')"

RUN mkdir /data && chown stylebot /data
ENV STYLEBOT_DATABASE=/data/stylebot.db
VOLUME /data
USER stylebot
ENTRYPOINT ["python", "-m", "bot"]
