// SPDX-License-Identifier: GPL-2.0
/*
 * rtemu_timer.c for the KUnit module: an object of its own, as Kbuild
 * wants one object in one module.
 */
#include "rtemu_timer.c"
