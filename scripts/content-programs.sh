#!/usr/bin/env bash
# The programs `validate` and the tests run on rendered config (apache2 -t, php-fpm -t,
# rsyslogd -N1, the pod smoke test), from Debian. Installs the missing ones when run as root (as
# CI and this project's machines are); otherwise names the command to run and fails.
set -euo pipefail
packages=(apache2 libapache2-mod-security2 php8.2-fpm rsyslog rsyslog-kafka)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "content-programs: missing Debian packages: ${missing[*]}; run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "content-programs: installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
