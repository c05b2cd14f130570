# SPDX-License-Identifier: GPL-2.0
#
# refcache: build the module against a kernel tree, or run the project's
# scripts. The Kbuild file says what is built; this file only drives it.
#
#   make                     modules for the running kernel
#   make KDIR=/path/to/tree  modules for another kernel (O= tree or headers)
#   make help                everything else (demo, check, quick, bench)

KDIR ?= /lib/modules/$(shell uname -r)/build

# Only the targets that run kbuild need a kernel tree at KDIR; if it has no
# Makefile (no headers installed, a wrong KDIR, or a "build" link left behind
# by removed headers), stop here with the next steps instead of kbuild's bare
# "No such file or directory". clean, help and the script targets never look
# at KDIR.
KDIR_GOALS := all modules install

ifneq ($(filter $(KDIR_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(wildcard $(KDIR)/Makefile),)
define KDIR_MISSING
no kernel build tree at $(KDIR) (no Makefile there). Next steps, any of:
  - install the headers for the running kernel: apt-get install linux-headers-$(shell uname -r)
  - build against another tree: make KDIR=/path/to/kernel/build
  - run scripts/demo.sh, which builds a UML kernel and the module for it
    without touching the host kernel
endef
$(error $(KDIR_MISSING))
endif
endif

.PHONY: all modules clean install demo check quick bench help

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	rm -f module/*.o module/*.ko module/*.mod module/*.mod.c module/.*.cmd \
	      module/bench/*.o module/bench/*.ko module/bench/*.mod module/bench/*.mod.c \
	      module/bench/.*.cmd module/bench/modules.order \
	      kunit/*.o kunit/*.ko kunit/*.mod kunit/*.mod.c kunit/.*.cmd \
	      modules.order Module.symvers module/modules.order kunit/modules.order \
	      .*.cmd

demo:
	scripts/demo.sh

check:
	scripts/test.sh

quick:
	scripts/test.sh --quick

# Both benchmark tables: the non-debug UML kernel (one CPU), then Debian's own
# kernel on 2 CPUs under QEMU (TCG: about 3 minutes with the default counts).
# BENCH_ARGS, e.g. "count=20000 rounds=3", go to refcache_bench.ko in both.
bench:
	@echo '== UML, non-debug (scripts/uml-bench.config), 1 CPU'
	scripts/bench.sh $(BENCH_ARGS)
	@echo '== Debian 6.12 kernel under QEMU (TCG), 2 CPUs'
	scripts/bench.sh --smp $(BENCH_ARGS)

help:
	@echo 'Targets:'
	@echo '  modules (default)  build module/refcache.ko and kunit/refcache_kunit.ko against KDIR'
	@echo '                     (default: the running kernel; W=1 for extra warnings)'
	@echo '  install            modules_install into /lib/modules/<version>/updates'
	@echo '  clean              remove build products'
	@echo '  demo               set up if needed, boot UML with the module and walk a lifecycle'
	@echo '  check              set up if needed and run every test (what .ci/run runs)'
	@echo '  quick              the edit-compile-test loop: UML build, checkpatch, KUnit in UML'
	@echo '  bench              the benchmark in the non-debug UML kernel, then on 2 CPUs in'
	@echo '                     Debian'"'"'s 6.12 kernel under QEMU (BENCH_ARGS: module parameters)'
