# `cognate serve` (the local Cognito) as a container image: a release build of the `cognate`
# binary on Debian slim, run as an unprivileged user, with a health check on GET /health.
#
#   docker build -t cognate .
#   docker run --rm -p 127.0.0.1:9229:9229 cognate               # http://127.0.0.1:9229
#   docker run --rm -p 127.0.0.1:9229:9229 -v "$PWD/examples:/seed:ro" cognate \
#       serve --bind 0.0.0.0:9229 --in-memory --seed /seed/seed.toml
#
# State lives in /data (a volume); `--in-memory` keeps nothing.
#
# Inside a container the server must listen beyond loopback for a published port to reach it,
# and `cognate serve` refuses that without administrator credentials. The image allows it
# (COGNATE_INSECURE_ALLOW_ANONYMOUS): who can reach the server is decided by `-p`, and the
# examples above publish on the host's loopback only. To share the server on a network, set
# COGNATE_ADMIN_CREDENTIALS=ACCESS_KEY:SECRET (`-e`): admin calls and the outbox then need a
# SigV4 signature with those credentials, whatever the other variable says.

FROM rust:1.95-slim-bookworm AS build
# Passkeys (webauthn-rs-core) use OpenSSL, built from source and linked statically (the
# `openssl` crate's `vendored` feature): perl and make, no system OpenSSL.
RUN apt-get update \
 && apt-get install -y --no-install-recommends perl make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p cognate-cli \
 && install -m 0755 target/release/cognate /usr/local/bin/cognate

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data --create-home cognate \
 && chmod 0700 /data
COPY --from=build /usr/local/bin/cognate /usr/local/bin/cognate
USER cognate
WORKDIR /data
ENV COGNATE_DATA=/data
ENV COGNATE_INSECURE_ALLOW_ANONYMOUS=true
EXPOSE 9229
VOLUME ["/data"]
# `cognate curl` with a token from the environment needs no login; /health ignores it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD COGNATE_ACCESS_TOKEN=health cognate curl --fail --max-time 2 http://127.0.0.1:9229/health >/dev/null || exit 1
ENTRYPOINT ["cognate"]
CMD ["serve", "--bind", "0.0.0.0:9229"]
