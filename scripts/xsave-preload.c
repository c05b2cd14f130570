// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for the UML kernel binary: makes this host's ptrace()
 * answer NT_X86_XSTATE as a host with a larger XSAVE area would (default
 * 11008 bytes, an Intel CPU with AMX), so the AMX failure and its fix
 * (scripts/patches/0001-*) can be shown on any x86_64 host. Host-side code,
 * not kernel code: scripts/uml-run.sh -x (or RC_PTRACE_NO_SYSEMU in its
 * environment) builds it with the host's gcc.
 *
 * The rule it imitates is the host kernel's (kernel/ptrace.c, ptrace_regset(),
 * and arch/x86/kernel/fpu/regset.c, xstateregs_set()):
 *   - PTRACE_GETREGSET trims the caller's buffer to the XSAVE size and
 *     reports that length; the bytes past the real host's own area read as
 *     zero (components in their init state);
 *   - PTRACE_SETREGSET fails with EFAULT unless it is handed the whole
 *     XSAVE size; a whole buffer is passed to the real host at the real
 *     host's size.
 * Everything else goes to the real ptrace() unchanged.
 *
 * RC_XSAVE_SIZE sets the simulated size in bytes (unset: the real host's
 * rule). It must not be smaller than the real host's area: a smaller host
 * would drop state (AVX-512, which glibc uses) that the real CPU keeps,
 * which no real host does.
 *
 * With RC_PTRACE_NO_SYSEMU set, PTRACE_SYSEMU and PTRACE_SYSEMU_SINGLESTEP
 * fail with EIO, as on hosts whose ptrace lacks them (gVisor, WSL1).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(int request, pid_t pid, void *addr, void *data);

static ptrace_fn real_ptrace;
static size_t sim_size;		/* the simulated host's XSAVE size */
static size_t real_size;	/* this host's, found on first use */
static unsigned char *bounce;	/* real_size bytes, for the real calls */

static int xsave_setup(pid_t pid)
{
	struct iovec iov;
	const char *env;
	size_t len;

	if (real_size)
		return 0;
	env = getenv("RC_XSAVE_SIZE");
	if (!env)
		return -1;
	sim_size = strtoul(env, NULL, 0);
	/* The real size, the way the patched UML finds it: double until trimmed. */
	for (len = 4096; len <= (1 << 20); len *= 2) {
		bounce = realloc(bounce, len);
		if (!bounce)
			return -1;
		iov.iov_base = bounce;
		iov.iov_len = len;
		if (real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov) < 0)
			return -1;
		if (iov.iov_len < len)
			break;
	}
	real_size = iov.iov_len;
	if (sim_size < real_size) {
		fprintf(stderr, "xsave-preload: RC_XSAVE_SIZE %zu is below this host's %zu bytes\n",
			sim_size, real_size);
		abort();
	}
	fprintf(stderr, "xsave-preload: ptrace plays a %zu-byte XSAVE host (this one: %zu)\n",
		sim_size, real_size);
	return 0;
}

static long xstate_get(pid_t pid, struct iovec *uiov)
{
	size_t len = uiov->iov_len < sim_size ? uiov->iov_len : sim_size;
	struct iovec iov = { bounce, real_size };
	long ret;

	if (uiov->iov_len % 8) {
		errno = EINVAL;
		return -1;
	}
	ret = real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov);
	if (ret < 0)
		return ret;
	memcpy(uiov->iov_base, bounce, len < real_size ? len : real_size);
	if (len > real_size)
		memset((char *)uiov->iov_base + real_size, 0, len - real_size);
	uiov->iov_len = len;
	return 0;
}

static long xstate_set(pid_t pid, struct iovec *uiov)
{
	struct iovec iov;

	if (uiov->iov_len % 8) {
		errno = EINVAL;
		return -1;
	}
	if ((uiov->iov_len < sim_size ? uiov->iov_len : sim_size) != sim_size) {
		errno = EFAULT;
		return -1;
	}
	iov.iov_base = uiov->iov_base;
	iov.iov_len = real_size;
	return real_ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov);
}

long ptrace(enum __ptrace_request request, ...)
{
	va_list ap;
	pid_t pid;
	void *addr, *data;

	va_start(ap, request);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);

	if (!real_ptrace)
		real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
	if ((request == PTRACE_SYSEMU || request == PTRACE_SYSEMU_SINGLESTEP) &&
	    getenv("RC_PTRACE_NO_SYSEMU")) {
		errno = EIO;
		return -1;
	}
	if ((request == PTRACE_GETREGSET || request == PTRACE_SETREGSET) &&
	    (unsigned long)addr == NT_X86_XSTATE && xsave_setup(pid) == 0)
		return request == PTRACE_GETREGSET ? xstate_get(pid, data) :
						     xstate_set(pid, data);
	return real_ptrace(request, pid, addr, data);
}
