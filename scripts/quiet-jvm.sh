# Sourced by ./netc. The JVM announces the incubating Vector API on stderr at every start
# ("WARNING: Using incubator modules: jdk.incubator.vector", always its first line) and has no option
# to silence it. drop_incubator_warning reads stderr, drops that one line and passes the rest on
# unchanged and unbuffered (the progress bar redraws with \r). Use it as
#   exec java ... 2> >(drop_incubator_warning >&2)
# so that java stays the process: signals reach it and its exit code is the command's.
drop_incubator_warning() {
  trap '' INT TERM  # outlive a Ctrl-C long enough to pass on what java prints as it stops
  local first=""
  if IFS= read -r first; then
    [ "$first" = "WARNING: Using incubator modules: jdk.incubator.vector" ] || printf '%s\n' "$first"
  else
    printf '%s' "$first"
  fi
  exec cat
}
