#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dkms.conf works: a real `dkms add/build/install/remove` of rtemu against the
# project's own kernel build tree (KDIR, default the cached debug kernel).
# Everything DKMS writes goes to a temporary tree (--dkmstree, --sourcetree,
# --installtree) and the kernel is named with -k and --kernelsourcedir, so
# /usr/src, /var/lib/dkms and /lib/modules are not touched and the host's
# running kernel does not matter. Needs root and Debian's dkms package.
. "$(dirname "$0")/lib.sh"

command -v dkms >/dev/null || { echo "# FAIL: dkms is not installed (scripts/setup.sh installs it)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "# FAIL: dkms add needs root"; exit 1; }

kdir=${KDIR:-$("$root/scripts/build-kernel.sh" debug 2>/dev/null)}
[ -f "$kdir/include/config/kernel.release" ] || { echo "# FAIL: no kernel build tree at '$kdir'"; exit 1; }
rel=$(cat "$kdir/include/config/kernel.release")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$root/dkms.conf")
echo "# dkms $(dkms --version | sed 's/^dkms-//'), rtemu $ver, kernel $rel at $kdir"

t=$(mktemp -d)
trees=(--dkmstree "$t/dkms" --sourcetree "$t/src" --installtree "$t/install")
cleanup() {
	dkms remove "rtemu/$ver" --all --no-depmod "${trees[@]}" >/dev/null 2>&1
	rm -rf "$t"
}
trap cleanup EXIT
mkdir -p "$t/dkms" "$t/install/$rel"
log=$t/dkms.log

# The MAKE line passes the toolchain, overridable from the environment.
make0=$(cd "$t" && kernel_source_dir=K dkms_tree=T bash -c '. "$1"; echo "${MAKE[0]}"' _ "$root/dkms.conf")
case $make0 in
*" LLVM=-22 RUSTC=/usr/bin/rustc "*" modules && :") ok "MAKE passes LLVM=-22 RUSTC=/usr/bin/rustc" ;;
*) fail "MAKE line: $make0" ;;
esac
make0=$(RTEMU_LLVM=1 RTEMU_RUSTC=/opt/rustc kernel_source_dir=K dkms_tree=T bash -c '. "$1"; echo "${MAKE[0]}"' _ "$root/dkms.conf")
case $make0 in
*" LLVM=1 RUSTC=/opt/rustc "*) ok "RTEMU_LLVM and RTEMU_RUSTC override them" ;;
*) fail "overrides not applied: $make0" ;;
esac

"$root/scripts/dkms-source.sh" "$t/src/rtemu-$ver" 2>/dev/null || fail "scripts/dkms-source.sh"
if find "$t/src" -name '*.o' -o -name '*.ko' -o -name '*.cmd' | grep -q .; then
	fail "the DKMS source carries build products"
fi

step() {
	local desc=$1
	shift
	if dkms "$@" "${trees[@]}" >"$log" 2>&1; then
		ok "$desc"
	else
		fail "$desc"
		sed 's/^/#   /' "$log"
		find "$t/dkms" -name make.log -exec sed 's/^/#   make.log: /' {} +
		exit 1
	fi
}
step "dkms add" add "rtemu/$ver"
SECONDS=0
step "dkms build -k $rel --kernelsourcedir $kdir" build "rtemu/$ver" -k "$rel" --kernelsourcedir "$kdir"
echo "# build took ${SECONDS}s"

built=$t/dkms/rtemu/$ver/$rel/$(uname -m)/module
if [ -f "$built/rtemu.ko" ]; then
	ok "rtemu.ko built"
else
	fail "no rtemu.ko in $built"
fi
[ ! -e "$built/rtemu_kunit.ko" ] && ok "the KUnit module is not part of the package" || fail "rtemu_kunit.ko built"
vermagic=$(modinfo -F vermagic "$built/rtemu.ko" 2>/dev/null)
[ "${vermagic%% *}" = "$rel" ] && ok "vermagic $vermagic" || fail "vermagic '$vermagic' is not for $rel"
[ "$(modinfo -F name "$built/rtemu.ko" 2>/dev/null)" = rtemu ] && ok "modinfo name rtemu" || fail "modinfo name"

step "dkms install (into the temporary install tree)" install "rtemu/$ver" -k "$rel" --kernelsourcedir "$kdir" --no-depmod
[ -f "$t/install/$rel/updates/dkms/rtemu.ko" ] && ok "installed to updates/dkms/rtemu.ko" || fail "not installed"
st=$(dkms status "${trees[@]}" 2>/dev/null)
grep -q "^rtemu/$ver, $rel, .*: installed" <<<"$st" && ok "dkms status: installed" || fail "dkms status: $st"

step "dkms remove --all" remove "rtemu/$ver" --all --no-depmod
[ ! -e "$t/dkms/rtemu" ] && [ ! -e "$t/install/$rel/updates/dkms/rtemu.ko" ] && ok "removed" || fail "left behind after remove"
[ $fails -eq 0 ]
