# Sourced by check-matrix and bench-matrix: what a leg of the platform matrix is and
# where it runs. A leg is RELEASE-SERVER (debian12-redis, debian13-valkey...). A leg
# whose Debian release is this machine's runs here; any other runs in a cached root
# of that release (scripts/platform-root, scripts/in-root).

declare -A SUITE=([debian12]=bookworm [debian13]=trixie)
ALL_LEGS=(debian12-redis debian13-redis debian13-valkey)
host_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

# Two runs would share namespace names and ports: refuse to overlap. $1 names the
# caller in the error.
matrix_lock() {
  local cache=${RVA_ROOT_CACHE:-/var/cache/redis-vrrp-agent-ci}
  mkdir -p "$cache"
  exec 9>"$cache/matrix.lock"
  flock -n 9 || { echo "$1: another run holds $cache/matrix.lock" >&2; exit 1; }
}

# Sets, for leg $1: release, server, suite; where (the command prefix that runs a
# command on the leg's platform), query (its dpkg-query) and tree (where that
# command's copy of this tree is, seen from here). Returns 2 for an unknown leg and
# 1 when the leg's root cannot be made; $2 names the caller in the errors.
leg_setup() {
  local leg=$1 caller=$2 root
  release=${leg%%-*} server=${leg#*-}
  suite=${SUITE[$release]:-}
  if [ -z "$suite" ] || [[ "$server" != redis && "$server" != valkey ]]; then
    echo "$caller: unknown leg '$leg' (expected debian12|debian13 - redis|valkey)" >&2
    return 2
  fi
  if [ "$suite" = "$host_codename" ]; then
    where=(env) query=(dpkg-query) tree=.
    return 0
  fi
  root=$(scripts/platform-root "$leg" "$suite") ||
    { echo "$caller: leg $leg: no Debian $suite root" >&2; return 1; }
  where=(scripts/in-root "$root") query=(chroot "$root" dpkg-query) tree=$root/src
}

# "1:2.3.3-1" -> "2.3.3", "8.1.1+dfsg1-3+deb13u3" -> "8.1.1": upstream versions.
upstream() { sed -E 's/^[0-9]+://; s/[-+~].*//'; }

# The upstream version of package $1 where the leg set up last runs.
version() { "${query[@]}" -W -f='${Version}' "$1" 2>/dev/null | upstream; }
