# The emulator as a small runtime image. Build: docker build -t spmig .
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY emulator emulator
RUN cargo build --release --locked --bin spmig

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data spmig \
 && mkdir -p /data && chown spmig /data
COPY --from=build /src/target/release/spmig /usr/local/bin/spmig
USER spmig
ENV SPMIG_LISTEN=0.0.0.0:8080 \
    SPMIG_DATA=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=6 \
  CMD ["spmig", "healthcheck", "--url", "http://127.0.0.1:8080"]
ENTRYPOINT ["spmig"]
CMD ["serve"]
