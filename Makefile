# SPDX-License-Identifier: GPL-2.0
#
# rtemu's entry points. Kbuild reads ./Kbuild, not this file.
#
#   make            build rtemu.ko (against KDIR, or the project's cached test kernel)
#   make check      set up, build, boot the debug kernel in a VM and run every test
#   make demo       boot the VM and show the module at work
#   make regen      regenerate the UAPI header, policies and Rust constants from the spec
#   make check-spec fail if the generated files drifted from include/rtemu.yaml
#   make setup      install the toolchain and fetch the kernel source (idempotent)
#   make kernel     build the test kernel of FLAVOUR (debug or perf)
#   make clean      remove build products of the module

FLAVOUR ?= debug
export FLAVOUR KDIR

.PHONY: all modules check demo regen check-spec setup kernel clean

all modules:
	scripts/build-module.sh modules

check:
	scripts/check.sh

demo:
	scripts/demo.sh

regen:
	scripts/ynl-regen.sh

check-spec:
	scripts/ynl-regen.sh --check

setup:
	scripts/setup.sh

kernel:
	scripts/build-kernel.sh $(FLAVOUR)

clean:
	scripts/build-module.sh clean
