FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app

# The application files stay owned by root, so the service cannot modify
# them. Only DATA_DIR, where the embedded database lives when DATABASE_URL is
# unset, is writable by the node user.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data

USER node
EXPOSE 3000

# Slim images ship without curl, so the check uses the fetch built into Node.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]

# Node runs as PID 1 in place of npm, so it receives SIGTERM directly and can
# shut down cleanly. npm start would also rebuild through its prestart script.
# The heap limits are those of npm start.
CMD ["node", "--max-old-space-size=96", "--max-semi-space-size=4", "dist/src/server.js"]
