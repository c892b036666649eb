#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install: build rtemuctl (release) and install it with its shell
# completions and man pages under $DESTDIR$PREFIX (PREFIX default /usr/local):
#   bin/rtemuctl
#   share/man/man1/rtemuctl.1, rtemuctl-*.1
#   share/bash-completion/completions/rtemuctl
#   share/zsh/site-functions/_rtemuctl
#   share/fish/vendor_completions.d/rtemuctl.fish
#
#   scripts/install-cli.sh [build|install|uninstall]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

action=${1:-install}
prefix=${PREFIX:-/usr/local}
dest=${DESTDIR:-}$prefix
bindir=$dest/bin
mandir=$dest/share/man/man1
bashdir=$dest/share/bash-completion/completions
zshdir=$dest/share/zsh/site-functions
fishdir=$dest/share/fish/vendor_completions.d

if [ "$action" = uninstall ]; then
	rm -f "$bindir/rtemuctl" "$mandir"/rtemuctl.1 "$mandir"/rtemuctl-*.1 \
		"$bashdir/rtemuctl" "$zshdir/_rtemuctl" "$fishdir/rtemuctl.fish"
	log "rtemuctl: removed from $dest"
	exit 0
fi

# Built here unless cargo is missing (as under sudo, whose PATH lacks
# ~/.cargo/bin) and `make cli` already built it.
bin=$RTEMU_ROOT/tools/target/release/rtemuctl
cargo=${CARGO:-cargo}
if command -v "$cargo" >/dev/null; then
	"$cargo" build --quiet --release --locked --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" -p rtemuctl
elif [ -x "$bin" ]; then
	log "rtemuctl: no cargo on PATH, installing the binary make cli built"
else
	die "cargo not found: run make cli first, or set CARGO=/path/to/cargo"
fi
[ -x "$bin" ] || die "no $bin after cargo build"
[ "$action" = build ] && exit 0

install -d "$bindir" "$mandir" "$bashdir" "$zshdir" "$fishdir"
install -m 0755 "$bin" "$bindir/rtemuctl"
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
"$bin" man --out "$gen/man"
install -m 0644 "$gen"/man/*.1 "$mandir/"
"$bin" completions bash >"$gen/rtemuctl.bash"
"$bin" completions zsh >"$gen/_rtemuctl"
"$bin" completions fish >"$gen/rtemuctl.fish"
install -m 0644 "$gen/rtemuctl.bash" "$bashdir/rtemuctl"
install -m 0644 "$gen/_rtemuctl" "$zshdir/_rtemuctl"
install -m 0644 "$gen/rtemuctl.fish" "$fishdir/rtemuctl.fish"
log "rtemuctl: installed to $dest ($(ls "$gen"/man | wc -l) man pages, bash/zsh/fish completions)"
