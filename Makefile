# SPDX-License-Identifier: GPL-2.0
#
# rtemu's entry points. Kbuild reads ./Kbuild, not this file.
#
#   make            build rtemu.ko (against KDIR, or the project's cached test kernel)
#   make check      set up, build, boot the um-debug kernel (User-Mode Linux) and run every test
#   make check-vm   the same kselftests in the x86-64 debug kernel under virtme-ng
#   make fuzz       the differential fuzzer against the module: 1,000,000 operations (UML)
#   make bench      rtemu against Linux's FIB and iproute2 (um-perf, native), and the Rust crates
#   make demo       boot User-Mode Linux and show the module at work (demo-vm: virtme-ng)
#   make regen      regenerate the UAPI header, policies, the Rust code (module, tools) and the UAPI reference from the spec
#   make check-spec fail if the generated files drifted from include/rtemu.yaml
#   make setup      install the toolchain and fetch the kernel source (idempotent)
#   make kernel     build the test kernel of FLAVOUR (debug, perf, um-debug or um-perf)
#   make clean      remove build products of the module
#
#   make fuzz-vm, make bench-vm   the same under virtme-ng (TCG on these machines)
#   make dkms-source      copy the module's source to $(DESTDIR)/usr/src/rtemu-VERSION for dkms add
#   make rust-analyzer    write rust-project.json for the module (against KDIR)
#   make cli              build rtemuctl (release)
#   make install          install rtemuctl, its completions and man pages (PREFIX, DESTDIR)
#   make uninstall        remove what make install installed
#   make docs             API docs (tools workspace, module) and docs/uapi/rtemu.rst from the spec
#   make check-docs       fail if docs/uapi/rtemu.rst drifted from include/rtemu.yaml

FLAVOUR ?= debug
PREFIX ?= /usr/local
export FLAVOUR KDIR PREFIX DESTDIR

.PHONY: all modules check check-vm demo demo-vm fuzz fuzz-vm bench bench-vm
.PHONY: regen check-spec setup kernel clean
.PHONY: dkms-source rust-analyzer cli install uninstall docs check-docs

all modules:
	scripts/build-module.sh modules

check:
	scripts/check.sh uml

check-vm:
	scripts/check.sh vm

demo:
	scripts/demo.sh uml

demo-vm:
	scripts/demo.sh vm

# Results in ~/.cache/rtemu/results/bench-*/; see BENCHMARKS.md.
bench:
	scripts/bench.sh uml

bench-vm:
	scripts/bench.sh vm

regen:
	scripts/ynl-regen.sh
	scripts/docs.sh uapi

check-spec:
	scripts/ynl-regen.sh --check

setup:
	scripts/setup.sh

kernel:
	scripts/build-kernel.sh $(FLAVOUR)

clean:
	scripts/build-module.sh clean

dkms-source:
	scripts/dkms-source.sh

rust-analyzer:
	scripts/rust-analyzer.sh

cli:
	scripts/install-cli.sh build

install:
	scripts/install-cli.sh install

uninstall:
	scripts/install-cli.sh uninstall

docs:
	scripts/docs.sh

check-docs:
	scripts/docs.sh --check-uapi

# Seeds are printed; RTEMU_FUZZ_SEED pins one.
fuzz:
	scripts/fuzz.sh uml

fuzz-vm:
	scripts/fuzz.sh vm
