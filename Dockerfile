# mockauth: a static binary on a non-root, shell-less base.
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t localhost/mockauth:dev .
#   docker run -p 9300-9304:9300-9304 -e MOCKAUTH_ADMIN_TOKEN=$(openssl rand -hex 32) localhost/mockauth:dev
# Inside a container the stack binds 0.0.0.0, which needs an admin token.
# Base images are named in full (registry/repository:tag): podman and
# buildah refuse short names.

FROM docker.io/library/golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The version mockauth --version prints (the build has no .git to read it from).
ARG VERSION=devel
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.stampedVersion=${VERSION}" -o /out/mockauth ./cmd/mockauth

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mockauth /usr/local/bin/mockauth
USER 65532:65532
EXPOSE 9300 9301 9302 9303 9304
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 \
  CMD ["/usr/local/bin/mockauth", "health"]
ENTRYPOINT ["/usr/local/bin/mockauth"]
CMD ["serve", "--bind", "0.0.0.0"]
