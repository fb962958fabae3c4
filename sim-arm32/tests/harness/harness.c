/* Differential-test harness for sim-arm32 (see ../differential.rs).
 *
 * Built by the test with `arm-linux-gnueabihf-gcc -static -O2` and run under qemu-arm.
 * Reads records from stdin until EOF; each record is (all little-endian u32 unless noted)
 *   n (number of instruction words, 1..64), seed (scratch fill), words[n],
 *   r0..r12 (r10/r11 are replaced, see below), apsr, fpscr, d0..d15 (u64 each).
 * For each record it copies the words plus `bx lr` into an executable page, fills a
 * 1024-byte scratch buffer from `seed` (xorshift32, the same as the test), sets
 * r10 = r11 = scratch + 512, loads the state, runs the code and writes
 *   r0..r12 (r10/r11 as offsets from the scratch start), 0, 0, 0, apsr, fpscr, d0..d15,
 *   scratch[1024]
 * to stdout. A signal (SIGILL, SIGSEGV, SIGBUS) reports the record number on stderr and
 * exits with status 3. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_WORDS 64
#define SCRATCH 1024

struct state {
    uint32_t r[16]; /* 0..63 */
    uint32_t apsr;  /* 64 */
    uint32_t fpscr; /* 68 */
    uint64_t d[16]; /* 72 */
};

/* run_seq(struct state *s, void *code): loads s, jumps to code (which ends in bx lr),
 * stores the resulting state back into s. */
void run_seq(struct state *s, void *code);
__asm__(
    ".text\n"
    ".arm\n"
    ".fpu vfpv3-d16\n"
    ".global run_seq\n"
    ".type run_seq, %function\n"
    "run_seq:\n"
    "  push {r4-r11, lr}\n"
    "  vpush {d8-d15}\n"
    "  sub sp, sp, #8\n"
    "  str r1, [sp]\n"      /* code address */
    "  str r0, [sp, #4]\n"  /* state pointer */
    "  ldr r1, [r0, #68]\n"
    "  vmsr fpscr, r1\n"
    "  add r1, r0, #72\n"
    "  vldmia r1, {d0-d15}\n"
    "  ldr r1, [r0, #64]\n"
    "  msr APSR_nzcvq, r1\n"
    "  ldm r0, {r0-r12}\n"
    "  adr lr, 1f\n"
    "  ldr pc, [sp]\n"
    "1:\n"
    "  str r12, [sp]\n"
    "  ldr r12, [sp, #4]\n"
    "  stm r12, {r0-r11}\n"
    "  ldr r0, [sp]\n"
    "  str r0, [r12, #48]\n"
    "  mrs r0, APSR\n"
    "  str r0, [r12, #64]\n"
    "  vmrs r0, fpscr\n"
    "  str r0, [r12, #68]\n"
    "  add r0, r12, #72\n"
    "  vstmia r0, {d0-d15}\n"
    "  add sp, sp, #8\n"
    "  vpop {d8-d15}\n"
    "  pop {r4-r11, pc}\n");

static volatile unsigned long record_no;

static void on_signal(int sig) {
    char buf[96];
    int n = snprintf(buf, sizeof buf, "harness: signal %d in record %lu\n", sig, record_no);
    (void)!write(2, buf, n);
    _exit(3);
}

static int read_all(void *p, size_t n) {
    return fread(p, 1, n, stdin) == n;
}

int main(void) {
    static uint8_t scratch[SCRATCH] __attribute__((aligned(8)));
    uint32_t *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    signal(SIGILL, on_signal);
    signal(SIGSEGV, on_signal);
    signal(SIGBUS, on_signal);
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    for (;;) {
        uint32_t hdr[2];
        if (!read_all(hdr, sizeof hdr))
            break;
        uint32_t n = hdr[0], seed = hdr[1];
        if (n == 0 || n > MAX_WORDS) {
            fprintf(stderr, "harness: bad record length %u\n", n);
            return 2;
        }
        uint32_t words[MAX_WORDS];
        struct state s;
        memset(&s, 0, sizeof s);
        if (!read_all(words, 4 * n) || !read_all(s.r, 13 * 4) || !read_all(&s.apsr, 4) ||
            !read_all(&s.fpscr, 4) || !read_all(s.d, sizeof s.d)) {
            fprintf(stderr, "harness: truncated record %lu\n", record_no);
            return 2;
        }
        uint32_t x = seed ? seed : 1;
        for (int i = 0; i < SCRATCH; i += 4) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            memcpy(scratch + i, &x, 4);
        }
        uint32_t base = (uint32_t)(uintptr_t)scratch;
        s.r[10] = base + 512;
        s.r[11] = base + 512;
        memcpy(code, words, 4 * n);
        code[n] = 0xe12fff1e; /* bx lr */
        __builtin___clear_cache((char *)code, (char *)(code + n + 1));
        run_seq(&s, code);
        s.r[10] -= base;
        s.r[11] -= base;
        fwrite(&s, sizeof s, 1, stdout);
        fwrite(scratch, SCRATCH, 1, stdout);
        record_no++;
    }
    fflush(stdout);
    return 0;
}
