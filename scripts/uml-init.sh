#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of a User-Mode Linux guest booted by scripts/uml-run.sh: mounts what a
# host program expects, runs $RTEMU_UML_RUN/command, writes its exit status
# to $RTEMU_UML_RUN/status (UML's own exit status does not carry it) and
# powers off. RTEMU_UML_RUN comes from the kernel command line.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# devtmpfs has no /dev/fd or /dev/std* (udev makes them on a host, virtme-ng's
# init in the VM); the kselftest runner writes its tests' output to
# /dev/stdout, which would otherwise become a file.
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mkdir -p /dev/shm
mount -t tmpfs tmpfs /dev/shm
# The guest gets a /tmp of its own, so that its tests' files stay off the
# host. The host directories the run needs ($RTEMU_UML_RUN/expose: the tree
# and the cache) are bound into it at the same paths when they lie under the
# host's /tmp, parents first; the host's /tmp is reached through a mount on
# the guest's own /dev while they are.
exposed=()
[ -r "${RTEMU_UML_RUN:-}/expose" ] && mapfile -t exposed < <(LC_ALL=C sort -u "$RTEMU_UML_RUN/expose")
host_tmp=/dev/.host-tmp
mkdir -p "$host_tmp"
mount --bind /tmp "$host_tmp"
mount -t tmpfs tmpfs /tmp
for dir in "${exposed[@]}"; do
	case $dir in
	/tmp/?*) ;;
	*) continue ;;
	esac
	mkdir -p "$dir" && mount --bind "$host_tmp/${dir#/tmp/}" "$dir" ||
		echo "uml-init: cannot give the guest the host's $dir" >&2
done
umount -l "$host_tmp"
ip link set lo up

status=125
if [ -r "${RTEMU_UML_RUN:-}/command" ]; then
	bash "$RTEMU_UML_RUN/command" </dev/null
	status=$?
	echo "$status" >"$RTEMU_UML_RUN/status.tmp" && mv "$RTEMU_UML_RUN/status.tmp" "$RTEMU_UML_RUN/status"
else
	echo "uml-init: no command at '${RTEMU_UML_RUN:-}/command'" >&2
fi
sync
# The reboot(2) system call directly: no init system to ask.
exec busybox poweroff -f
