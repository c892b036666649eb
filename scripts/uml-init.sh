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
# The host's /tmp stays the host's: the guest gets one of its own, as under
# virtme-ng. (The run directory is not under /tmp.)
mount -t tmpfs tmpfs /tmp
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
