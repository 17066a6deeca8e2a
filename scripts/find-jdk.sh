# Sourced by ./mvn25 and ./netc. Prints the home of a JDK whose major version is >= 25.
netc_jdk_major() {
  local v
  v="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  echo "${v%%.*}"
}
netc_find_jdk() {
  local c m
  for c in "${NETC_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    m="$(netc_jdk_major "$c")"
    if [ -n "$m" ] && [ "$m" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  echo "netc: no JDK 25 or newer found (looked at \$NETC_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm, /opt, ~/.sdkman, ~/.jdks)." >&2
  echo "netc: install one (e.g. Temurin 25) or point NETC_JAVA_HOME at it." >&2
  return 1
}
