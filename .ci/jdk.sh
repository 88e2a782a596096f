# Sourced by ./sluice and .ci/run: make JAVA_HOME point at a JDK >= 21.
# Keeps a JAVA_HOME or java on PATH that is already new enough; otherwise picks the newest
# JDK >= 21 under /usr/lib/jvm (or /Library/Java/JavaVirtualMachines on macOS).
sluice_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1
}
sluice_pick_jdk() {
  local cand major
  for cand in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    if [ -n "$cand" ] && [ -x "$cand/bin/javac" ]; then
      major=$(sluice_java_major "$cand/bin/java")
      if [ "${major:-0}" -ge 21 ] 2>/dev/null; then export JAVA_HOME="$cand"; return 0; fi
    fi
  done
  local best="" best_major=0
  for cand in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$cand/bin/javac" ] || continue
    major=$(sluice_java_major "$cand/bin/java")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then best="$cand"; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "sluice: needs a JDK 21 or newer; found none (JAVA_HOME=${JAVA_HOME:-unset}, java on PATH: $(command -v java || echo none)). Install one and set JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
sluice_pick_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
