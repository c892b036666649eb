#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything rtemu needs on a fresh Debian 12 machine. Idempotent.
#
#   scripts/setup.sh            packages, bindgen, virtme-ng venv, kernel source
#   scripts/setup.sh --no-src   everything but the kernel source
set -euo pipefail
. "$(dirname "$0")/lib.sh"

want_src=1
[ "${1:-}" = --no-src ] && want_src=0

PACKAGES=(
	clang$LLVM_SUFFIX lld$LLVM_SUFFIX llvm$LLVM_SUFFIX libclang$LLVM_SUFFIX-dev
	rustc-web rust-web-src rust-web-clippy
	flex bison bc libelf-dev libssl-dev cpio kmod xz-utils gzip make gcc patch
	qemu-system-x86 busybox-static udev
	dkms
	dwarves libbpf-dev linux-libc-dev
	libseccomp-dev libcap-ng-dev
	python3 python3-venv python3-yaml
	iproute2 util-linux procps debian-archive-keyring
)

# Progress of an apt-get log: the packages unpacked and set up so far.
apt_progress() {
	printf '%d unpacked, %d set up' "$(grep -c '^Unpacking ' "$1")" "$(grep -c '^Setting up ' "$1")"
}

install_packages() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && { log "debian packages: present"; return; }
	log "debian packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	run_logged "debian packages: apt-get update" "$SETUP_LOG" - apt-get update
	run_logged "debian packages: apt-get install" "$SETUP_LOG" apt_progress \
		apt-get install -y --no-install-recommends "${missing[@]}"
}

install_bindgen() {
	if [ -x "$BINDGEN" ] && [ "$("$BINDGEN" --version)" = "bindgen $BINDGEN_VERSION" ]; then
		log "bindgen $BINDGEN_VERSION: present"
		return
	fi
	run_logged "bindgen $BINDGEN_VERSION: cargo install" "$SETUP_LOG" cargo_progress \
		cargo install --locked --root "$RTEMU_TOOLS" bindgen-cli --version "=$BINDGEN_VERSION"
}

# The Rust virtiofsd (Debian 12 has only QEMU's C one, which virtme-ng
# declines): with it the guest's root is virtiofs with the guest's page
# cache, and under TCG a program starts about five times faster than from
# uncached 9p, which re-reads each page of a binary from the host.
install_virtiofsd() {
	if [ -x "$VIRTIOFSD" ] && [ "$("$VIRTIOFSD" --version)" = "virtiofsd $VIRTIOFSD_VERSION" ]; then
		log "virtiofsd $VIRTIOFSD_VERSION: present"
		return
	fi
	run_logged "virtiofsd $VIRTIOFSD_VERSION: cargo install" "$SETUP_LOG" cargo_progress \
		cargo install --locked --root "$RTEMU_TOOLS" virtiofsd --version "=$VIRTIOFSD_VERSION"
}

install_venv() {
	if [ -x "$RTEMU_VENV/bin/vng" ] &&
	   [ "$("$RTEMU_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("virtme-ng"))' 2>/dev/null)" = "$VIRTME_NG_VERSION" ]; then
		log "virtme-ng $VIRTME_NG_VERSION: present"
		return
	fi
	run_logged "virtme-ng $VIRTME_NG_VERSION: python venv" "$SETUP_LOG" - \
		python3 -m venv "$RTEMU_VENV"
	run_logged "virtme-ng $VIRTME_NG_VERSION: pip install" "$SETUP_LOG" - \
		"$RTEMU_VENV/bin/pip" install "virtme-ng==$VIRTME_NG_VERSION" PyYAML jsonschema
}

# Debian's linux-source-7.3 from trixie-backports, fetched with a private apt
# configuration so the system's sources stay untouched. apt checks the .deb
# against the signed Release file's hashes.
fetch_kernel_source() {
	if kernel_src >/dev/null; then
		log "kernel source: $(kernel_src)"
		return
	fi
	local mirror apt_dir
	mirror=$(grep -hoE '(URIs:|deb) +https?://[^ ]+/debian/?( |$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
		awk '{print $2}' | head -n1 || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	apt_dir=$RTEMU_CACHE/apt
	mkdir -p "$apt_dir/lists/partial" "$KERNEL_SRC_DIR"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main" \
		>"$apt_dir/sources.list"
	local opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$apt_dir/lists"
		-o APT::Get::List-Cleanup=0)
	download() {
		apt-get "${opts[@]}" -o APT::Sandbox::User=root update &&
		cd "$apt_dir" && rm -f linux-source-*.deb &&
		apt-get "${opts[@]}" -o APT::Sandbox::User=root download "linux-source-$KERNEL_SERIES"
	}
	run_logged "kernel source: apt-get download linux-source-$KERNEL_SERIES from $mirror" "$SETUP_LOG" - download
	local deb
	deb=$(ls "$apt_dir"/linux-source-"$KERNEL_SERIES"_*.deb)
	dpkg-deb --info "$deb" >/dev/null || die "corrupt $deb"
	extract() {
		rm -rf "$apt_dir/x" && dpkg -x "$deb" "$apt_dir/x" &&
		tar -C "$KERNEL_SRC_DIR" -xf "$apt_dir"/x/usr/src/linux-source-"$KERNEL_SERIES".tar.xz
	}
	run_logged "kernel source: extracting $(basename "$deb")" "$SETUP_LOG" - extract
	rm -rf "$apt_dir/x"
	basename "$deb" >"$KERNEL_SRC_DIR/VERSION"
	log "kernel source: $(kernel_src)"
}

# The prefix set the trie's memory test and the benchmarks load.
fetch_asn_data() {
	if [ -f "$ASN_DATA_DIR/asn-ipv4.csv" ] && [ -f "$ASN_DATA_DIR/asn-ipv6.csv" ]; then
		log "prefix data: present"
		return
	fi
	local tmp
	tmp=$(mktemp -d)
	run_logged "prefix data: npm pack $ASN_DATA_PACKAGE" "$SETUP_LOG" - \
		npm pack --pack-destination "$tmp" "$ASN_DATA_PACKAGE"
	mkdir -p "$ASN_DATA_DIR"
	tar -C "$ASN_DATA_DIR" --strip-components=1 -xzf "$tmp"/*.tgz package/asn-ipv4.csv package/asn-ipv6.csv package/package.json
	rm -rf "$tmp"
}

SETUP_LOG=$(new_log setup)
install_packages
install_bindgen
install_virtiofsd
install_venv
fetch_asn_data
[ $want_src = 1 ] && fetch_kernel_source
log "setup: done"
