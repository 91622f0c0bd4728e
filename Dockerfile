# syntax=docker/dockerfile:1
# nango-gitops: build with dev dependencies, run with production dependencies only.
#   docker build -t nango-gitops .
#   docker run --rm -e NANGO_SECRET_KEY -v "$PWD/nango:/config:ro" nango-gitops plan -c /config
# Built and run with buildah against a locally made base (no Docker engine there): see docs/docker.md.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so editing sources does not invalidate the npm ci layer. --ignore-scripts: the
# package's `prepare` script builds, and the sources are not copied yet (the build runs below).
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json rolldown.config.mjs ./
COPY src ./src
COPY scripts ./scripts
COPY schemas ./schemas
# The emulator is compiled with the rest (scripts/demo.ts uses it) but is not copied into the runtime image.
COPY test/emulator ./test/emulator
# The build writes generated/providers-catalog.json from @nangohq/providers, a dev dependency: the
# runtime reads only that JSON file. The prune removes every dev dependency, yaml and commander included
# (the bundle inlines them). Node never loads type declarations or source maps, and the prune leaves
# empty scope folders behind: neither goes into the image (docs/docker.md has the sizes).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete \
 && find node_modules -depth -type d -empty -delete \
 && test -x dist/cli/nango-gitops.js \
 && test ! -e node_modules/yaml && test ! -e node_modules/commander

FROM ${NODE_IMAGE} AS runtime
# The default state path (.nango-gitops/state.json under the working directory) is not writable here.
ENV NODE_ENV=production \
    NANGO_GITOPS_STATE=/var/lib/nango-gitops/state.json
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/cli ./dist/cli
COPY --from=build /app/generated ./generated
COPY --from=build /app/schemas ./schemas
# Files stay owned by root and read-only for the process; only the state directory is writable.
RUN ln -s /app/dist/cli/nango-gitops.js /usr/local/bin/nango-gitops \
 && mkdir -p /var/lib/nango-gitops \
 && chown 1000:1000 /var/lib/nango-gitops
# The image's `node` user, given by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
# Slim images have no curl: ask node's fetch. Follows NANGO_GITOPS_LISTEN when the port is changed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const l=process.env.NANGO_GITOPS_LISTEN||'';const p=l.slice(l.lastIndexOf(':')+1)||'8080';fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The daemon runs in V8's lite mode (no optimising compiler, leaner heap): idle RSS about 60 / 66 MB instead
# of 74 / 118 MB at 10 / 1,000 integrations, for about 40 % more CPU on a reconcile that reads every detail
# (docs/benchmarks.md). Every other command keeps full speed. Arguments pass through as with `nango-gitops`.
ENTRYPOINT ["/bin/sh", "-c", "if [ \"$1\" = daemon ]; then exec node --lite-mode --no-expose-wasm /app/dist/cli/nango-gitops.js \"$@\"; fi; exec node /app/dist/cli/nango-gitops.js \"$@\"", "nango-gitops"]
CMD ["daemon"]
