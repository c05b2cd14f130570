// SPDX-License-Identifier: GPL-2.0
/*
 * fileio: the positioned file calls bash has no builtin for, for the stress
 * cases (scripts/guest/stress/11-abi-promises.sh checks that refcache's ctl, a
 * stream, refuses them). Host-side code, not kernel code: scripts/fileio.sh
 * builds it statically with the host's gcc, so it runs in QEMU's initramfs.
 *
 *   fileio pwrite FILE OFFSET DATA   one pwrite(2) of DATA; prints the count
 *   fileio pread FILE OFFSET LEN     one pread(2); prints the bytes as read
 *   fileio lseek FILE OFFSET         lseek(2) SEEK_SET; prints the new offset
 *
 * When the call (or the open) fails it prints the errno's E-name (ESPIPE;
 * "open ENOENT" for the open) and exits 1; a usage error exits 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: fileio pwrite FILE OFFSET DATA | pread FILE OFFSET LEN | lseek FILE OFFSET\n";

static int fail(const char *what)
{
	const char *name = strerrorname_np(errno);

	printf("%s%s%s\n", what, *what ? " " : "", name ? name : "E?");
	return 1;
}

static int number(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || end == s || *end || *v < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	const char *op = argc > 1 ? argv[1] : "";
	int pw = !strcmp(op, "pwrite"), pr = !strcmp(op, "pread");
	int ls = !strcmp(op, "lseek");
	long long off, len = 0;
	ssize_t n;
	int fd;

	if (!(pw || pr || ls) || argc != (ls ? 4 : 5) || number(argv[3], &off) ||
	    (pr && (number(argv[4], &len) || len > (long long)sizeof(buf)))) {
		fputs(usage, stderr);
		return 2;
	}
	fd = open(argv[2], pw ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return fail("open");

	if (pw)
		n = pwrite(fd, argv[4], strlen(argv[4]), off);
	else if (pr)
		n = pread(fd, buf, len, off);
	else
		n = lseek(fd, off, SEEK_SET);
	if (n < 0)
		return fail("");

	if (pr)
		fwrite(buf, 1, n, stdout);
	else
		printf("%zd\n", n);
	return close(fd) ? fail("close") : 0;
}
