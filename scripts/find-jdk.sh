# scripts/find-jdk.sh — sourced (POSIX sh) by ./mvnw, ./rnn and .ci/run: finds a JDK >= 25 and
# exports JAVA_HOME and PATH to it. Search order: $JAVA_HOME, `java` on PATH, /usr/lib/jvm/*,
# /opt/java/*, /opt/jdk*. Stops with a message saying what to install when none is found.
# Not executable on its own: `. scripts/find-jdk.sh`.

rnn_required_java=25

# prints the feature release of the JDK at $1 (a JAVA_HOME), or nothing if it is not a full JDK
rnn_jdk_release() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  if [ -f "$1/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release")
  else
    v=$("$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9][0-9]*\).*/\1/p')
  fi
  [ -n "$v" ] && printf '%s\n' "$v"
}

rnn_find_jdk() {
  set +f   # the callers may run with globbing off (mvnw: set -euf); this runs in a subshell
  for home in "${JAVA_HOME-}" \
      "$( j=$(command -v java 2>/dev/null) && [ -n "$j" ] && dirname "$(dirname "$(readlink -f "$j")")" )" \
      /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -n "$home" ] && [ -d "$home" ] || continue
    release=$(rnn_jdk_release "$home") || continue
    if [ "$release" -ge "$rnn_required_java" ] 2>/dev/null; then
      printf '%s\n' "$home"
      return 0
    fi
  done
  return 1
}

if rnn_jdk_home=$(rnn_find_jdk); then
  JAVA_HOME=$rnn_jdk_home
  PATH=$JAVA_HOME/bin:$PATH
  export JAVA_HOME PATH
else
  echo "panama-rnn needs a JDK $rnn_required_java or newer (java and javac); none was found in JAVA_HOME" >&2
  echo "(${JAVA_HOME:-unset}), on PATH ($(command -v java 2>/dev/null || echo 'no java')) or under /usr/lib/jvm." >&2
  echo "Install one, e.g. Temurin 25 (https://adoptium.net) or 'apt-get install openjdk-25-jdk'," >&2
  echo "and set JAVA_HOME to it." >&2
  exit 1
fi
