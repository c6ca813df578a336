# The Docker client the container tests use, and the engine they talk to.
# /usr/bin/docker is Debian's client, the same version (20.10) as Debian's
# engine; a newer client earlier on PATH (/usr/local/bin/docker, 28.x) also
# talks to it but warns on every build (no buildx). Tests read $DOCKER.
DOCKER ?= /usr/bin/docker
export DOCKER

.PHONY: docker-up
docker-up:
	sh scripts/docker-up.sh
