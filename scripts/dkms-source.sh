#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copy the module's source, and only that, into a DKMS source directory
# (default /usr/src/rtemu-VERSION, VERSION from dkms.conf), ready for
#   dkms add rtemu/VERSION
# Build products in the work tree (*.o, *.ko, .*.cmd) are not copied, nor is
# the KUnit module's switch: DKMS builds rtemu.ko alone.
#
#   scripts/dkms-source.sh [DEST]      (make dkms-source [DESTDIR=...])
set -euo pipefail
. "$(dirname "$0")/lib.sh"

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$RTEMU_ROOT/dkms.conf")
[ -n "$version" ] || die "no PACKAGE_VERSION in dkms.conf"
dest=${1:-${DESTDIR:-}/usr/src/rtemu-$version}

cd "$RTEMU_ROOT"
files=(dkms.conf Kbuild include/rtemu.yaml include/uapi/linux/rtemu.h include/uapi/linux/rtemu_bpf.h
	include/linux/rtemu.h include/rtemu/bsd/net/route.h
	rust/*.c rust/*.h)
# The Rust sources as rustc finds them from the crate root, nested modules
# included (the KUnit crate is not built by DKMS).
mapfile -t -O ${#files[@]} files < <(python3 scripts/rust_modules.py files rust/rtemu_main.rs)
rm -rf "$dest"
mkdir -p "$dest"
cp --parents "${files[@]}" "$dest/"
log "dkms source: $dest (rtemu $version)"
