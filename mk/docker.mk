# The Docker client the container tests use, and the engine they talk to.
# /usr/bin/docker is Debian's client, the same version (20.10) as Debian's
# engine; a newer client earlier on PATH (/usr/local/bin/docker, 28.x) also
# talks to it but warns on every build (no buildx). Tests read $DOCKER.
DOCKER ?= /usr/bin/docker
export DOCKER

.PHONY: docker-up
docker-up:
	sh scripts/docker-up.sh

# make image [IMAGE=jailinit-demo]: docker/Dockerfile as jailinit:local (the
# static jailinit and busybox-static, FROM scratch), then the demo image on
# top of it; built with --network none, from the local build only.
IMAGE ?= jailinit-demo
.PHONY: image
image: all
	@set -e; ctx=$$(mktemp -d); trap 'rm -rf "$$ctx"' EXIT; \
	cp $(BUILD)/jailinit /bin/busybox docker/demo-entry.sh scripts/demo-agent.sh "$$ctx"/; \
	DOCKER_BUILDKIT=0 $(DOCKER) build -q --network none -f docker/Dockerfile -t jailinit:local "$$ctx" >/dev/null; \
	DOCKER_BUILDKIT=0 $(DOCKER) build -q --network none -f docker/Dockerfile.demo -t $(IMAGE) "$$ctx" >/dev/null; \
	echo "built $(IMAGE) (on jailinit:local); run it:"; \
	echo "  docker run --rm --network none --cap-add NET_ADMIN --security-opt seccomp=docker/seccomp/jailinit-least-privilege.json $(IMAGE)"
