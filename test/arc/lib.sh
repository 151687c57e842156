# Shared by the ARC integration scripts (sourced, bash). A run lives in one directory DIR:
#   DIR/certs    test CA, A-REX host certificate, issuer certificate
#   DIR/etc      arc.conf (written by the test), DIR/control, DIR/session, DIR/log, DIR/run, DIR/tmp
#   DIR/root     ARC 7 only: the throw-away trixie chroot
#   DIR/state    what the host looked like before, so that teardown can put it back
# Every daemon is started in its own session (setsid) so that stop reaches all of its processes.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECKOUT=$(cd "$HERE/../.." && pwd)
CACHE=${TOKENMAP_ARC_CACHE:-/var/cache/tokenmap-arc-it}
ARC_PACKAGES="nordugrid-arc-arex nordugrid-arc-arcctl nordugrid-arc-arcctl-service nordugrid-arc-plugins-arcrest nordugrid-arc-client nordugrid-arc-plugins-needed"
# Bump when the chroot recipe changes: a cached tarball of another recipe is never reused.
CHROOT_RECIPE=1
CHROOT_TARBALL="$CACHE/trixie-arc7-r$CHROOT_RECIPE.tar.gz"
CA_NAME=tokenmap-it-ca
CA_SUBJECT="/DC=org/DC=tokenmap/CN=tokenmap integration test CA"

say() { printf 'arc-it: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}
# Exit 3 means "could not install what the test needs" (no archive): the test decides what that means.
install_failed() {
  say "cannot install: $*"
  exit 3
}

need_dir() {
  [[ -n "${1:-}" && -d "$1" && "$1" == /* ]] || die "usage: $(basename "$0") 6|7 DIR (an existing absolute directory)"
}

# The root ARC runs in: / for ARC 6, the chroot for ARC 7.
arc_root() {
  if [[ $1 == 7 ]]; then printf '%s/root' "$2"; else printf ''; fi
}

# Processes whose root directory is the chroot (none may survive teardown).
chroot_pids() {
  local root=$1 p
  for p in /proc/[0-9]*; do
    [[ "$(readlink "$p/root" 2>/dev/null || true)" == "$root" ]] && printf '%s\n' "${p#/proc/}"
  done
  return 0
}
