# The API alone (no trainer, no GPU): `vlm-loop serve --no-worker`. Training runs in worker-cuda.Dockerfile.
# Build from the repository root: docker build -f docker/api.Dockerfile .
FROM node:20-slim

# A font for the text of learning-curve PNGs (sharp renders SVG with librsvg).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    VLM_LOOP_DATA_DIR=/data

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY schema ./schema
COPY prompts ./prompts
COPY tsconfig.json ./

EXPOSE 8080
VOLUME ["/data"]
CMD ["node", "bin/vlm-loop.mjs", "serve", "--no-worker"]
