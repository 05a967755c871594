# A training worker on NVIDIA GPUs: `vlm-loop worker --gpus all`.
# Build from the repository root: docker build -f docker/worker-cuda.Dockerfile .
# Run with the NVIDIA container toolkit (docker run --gpus all ...). PyTorch wheels bring their own CUDA
# libraries, so the base image only has to match the host driver.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu22.04

FROM node:20-slim AS node

FROM ${CUDA_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.11 python3.11-venv python3.11-dev build-essential ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm

WORKDIR /app
ENV NODE_ENV=production \
    VLM_LOOP_DATA_DIR=/data \
    VLM_LOOP_PYTHON=python3.11

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY schema ./schema
COPY prompts ./prompts
COPY tsconfig.json ./
COPY trainer ./trainer
# trainer/setup.sh through the CLI, so the image ships a ready venv (trainer/.venv).
RUN node bin/vlm-loop.mjs setup

VOLUME ["/data"]
CMD ["node", "bin/vlm-loop.mjs", "worker", "--gpus", "all"]
