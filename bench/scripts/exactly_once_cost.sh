#!/bin/bash
# What exactly-once output costs: `sluice local --orgs 20000 --pacing 0 --latency-ms 5` with a previous
# build and today's build in both output modes, alternating, one table row per run.
# Usage: bench/scripts/exactly_once_cost.sh PREVIOUS_JAR TODAY_JAR [ROUNDS]
set -euo pipefail
previous=${1:?previous build's sluice.jar}; today=${2:?today's sluice.jar}; rounds=${3:-2}
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
out=$(mktemp -d)
echo "| round | build | orgs/s | CPU over the run, per org | load |"
for round in $(seq 1 "$rounds"); do
  for c in previous today-at-least-once today-exactly-once; do
    jar=$today; flag=""
    [ "$c" = previous ] && jar=$previous
    [ "$c" = today-at-least-once ] && flag="--at-least-once"
    load=$(cut -d' ' -f1 /proc/loadavg)
    timeout 600 "$java" --sun-misc-unsafe-memory-access=allow -jar "$jar" local --orgs 20000 --pacing 0 \
        --latency-ms 5 $flag --chart "$out/chart.png" > "$out/$c-$round.txt" 2>&1
    tp=$(grep throughput "$out/$c-$round.txt" | awk '{print $2}')
    cpu=$(grep '^CPU' "$out/$c-$round.txt" | sed 's/ (whole.*//; s/CPU *//')
    echo "| $round | $c | $tp | $cpu | $load |"
  done
done
