#!/usr/bin/env bash
# Worker CPU while waiting (issue 14, "waiting is free").
#
# Starts the saturated all-in-one run
#     sluice local --orgs 400 --limit 2 --latency-ms 1000 --pacing 0 --workers W
# and, with --external N, N more `sluice worker` processes on the same broker, Redis, simulator
# and pool (so every worker waits on the same full pool of 2). After --warm-up seconds it samples
# utime+stime from /proc/PID/stat of every process over --window seconds and prints each as a
# share of one core, then stops everything it started.
#
# The embedded broker runs with Kafka's default KIP-848 heartbeat interval, 5 s, as a production broker
# does (sluice local's own default, 1 s, is for quick rebalances in tests); --consumer-heartbeat 1s for that.
# --threads also prints each process's busiest threads with their CPU and wake-ups (voluntary context
# switches) per second.
#
#   bench/scripts/waiting_cpu.sh [--jar cli/target/sluice.jar] [--workers 3] [--external 0]
#                                [--warm-up 40] [--window 30] [--threads] [--consumer-heartbeat 5s]
#                                [--latency-ms 1000]
# --latency-ms: the queries' median time; 1000 has each worker finish an org every few seconds,
# 20000 keeps them waiting nearly all the time (and the run going for long warm-ups).
set -euo pipefail
jar=cli/target/sluice.jar; workers=3; external=0; warm=40; window=30; threads=0; top=12; heartbeat=5s; latency=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar=$2; shift 2;; --workers) workers=$2; shift 2;; --external) external=$2; shift 2;;
    --warm-up) warm=$2; shift 2;; --window) window=$2; shift 2;; --threads) threads=1; shift;;
    --consumer-heartbeat) heartbeat=$2; shift 2;; --latency-ms) latency=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

"$java" --sun-misc-unsafe-memory-access=allow -jar "$jar" local --orgs 400 --limit 2 --latency-ms "$latency" --pacing 0 \
    --workers "$workers" --consumer-heartbeat "$heartbeat" --chart "$tmp/chart.png" > "$tmp/local.log" 2>&1 &
pids+=($!); names=("local (broker, Redis client, simulator, orchestrator, $workers workers)")
for _ in $(seq 1 120); do grep -q "servers up" "$tmp/local.log" && break; sleep 0.5; done
line=$(grep "servers up" "$tmp/local.log") || { echo "sluice local did not start:" >&2; cat "$tmp/local.log" >&2; exit 1; }
kafka=$(sed -E 's/.*Kafka ([^,]+),.*/\1/' <<<"$line"); redis=$(sed -E 's/.*Redis ([^,]+),.*/\1/' <<<"$line")
snuba=$(sed -E 's/.*Snuba simulator ([^ ]+).*/\1/' <<<"$line")
for i in $(seq 1 "$external"); do
  cat > "$tmp/worker$i.yaml" <<YAML
kafka: { bootstrap-servers: "$kafka" }
redis: { uri: "$redis" }
snuba: { url: "$snuba" }
slots: { pool: sluice-local, limit: 2 }
metrics: { bind: 127.0.0.1, port: $((19400 + i)) }
YAML
  "$java" --sun-misc-unsafe-memory-access=allow -jar "$jar" worker --config "$tmp/worker$i.yaml" > "$tmp/worker$i.log" 2>&1 &
  pids+=($!); names+=("sluice worker process $i")
done
sleep "$warm"
declare -a before
# Per thread: id, CPU ticks, voluntary context switches (how often it blocked, i.e. woke), name.
snap() { for t in /proc/$1/task/*; do s=($(sed 's/.*) //' "$t/stat" 2>/dev/null)) || continue
  w=$(awk '/^voluntary_ctxt_switches/{print $2}' "$t/status" 2>/dev/null) || continue
  echo "${t##*/} $((s[11]+s[12])) ${w:-0} $(tr ' ' _ < "$t/comm")"; done; }
for i in "${!pids[@]}"; do before[$i]=$(ticks "${pids[$i]}"); [ "$threads" = 1 ] && snap "${pids[$i]}" > "$tmp/threads.$i"; done
sleep "$window"
echo "CPU over ${window}s after ${warm}s warm-up ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), consumer heartbeat $heartbeat):"
for i in "${!pids[@]}"; do
  after=$(ticks "${pids[$i]}")
  awk -v a="${before[$i]}" -v b="$after" -v s="$window" -v hz="$hz" -v n="${names[$i]}" \
      'BEGIN{printf "  %-75s %6.2f%% of a core\n", n, (b-a)/hz/s*100}'
done
progress=$(tr '\r' '\n' < "$tmp/local.log" | grep "orgs " | tail -1 || true)
echo "  progress: ${progress:-?}"
if [ "$threads" = 1 ]; then
  for i in "${!pids[@]}"; do echo "  busiest threads of ${names[$i]} in the window (% of a core, wake-ups/s):"
    snap "${pids[$i]}" | awk -v s="$window" -v hz="$hz" 'NR==FNR{b[$1]=$2; v[$1]=$3; next}
        {d=$2-b[$1]; w=($1 in v) ? $3-v[$1] : $3; if (d>0 || w>=s) printf "%6.2f%% %7.1f/s %s\n", d/hz/s*100, w/s, $4}' "$tmp/threads.$i" - \
      | sort -rn | head -"$top" | sed 's/^/    /' || true   # head ends early: sort's SIGPIPE is no failure
  done
fi
