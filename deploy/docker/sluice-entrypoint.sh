#!/bin/sh
# Container entrypoint: the image's JVM flags, then the CLI. exec, so SIGTERM from the kubelet
# reaches the JVM (the worker's shutdown hook finishes in-flight queries and commits).
# shellcheck disable=SC2086 # the flag variables are word lists on purpose
exec java ${JVM_FLAGS:-} ${SLUICE_JAVA_OPTS:-} -jar /opt/sluice/sluice.jar "$@"
