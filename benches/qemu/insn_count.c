/* A QEMU TCG plugin that counts the guest instructions a whole process executes, for
 * scripts/bench-native. Every translated block registers an execution callback carrying its
 * instruction count; the callback adds it to one 64-bit counter with an atomic add, so
 * guest threads running at once (in qemu-user each is a host thread) lose no update.
 * At exit it writes "insns N" to the file named by the out=PATH argument (default stderr).
 *
 * The prototypes below are QEMU's public plugin API (include/qemu/qemu-plugin.h, API
 * version 1, QEMU 7.x); Debian ships qemu-user without that header, so they are declared
 * here. Build: gcc -shared -fPIC -O2 -o insn_count.so insn_count.c
 * Use:   qemu-arm -plugin ./insn_count.so,out=FILE PROGRAM ARGS...
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);
extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
extern void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
                                                 enum qemu_plugin_cb_flags flags, void *userdata);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t executed;
static char out_path[4096];

static void on_exec(unsigned int vcpu, void *n)
{
    (void)vcpu;
    __atomic_fetch_add(&executed, (uint64_t)(uintptr_t)n, __ATOMIC_RELAXED);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    uintptr_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, (void *)n);
}

static void on_exit(qemu_plugin_id_t id, void *unused)
{
    (void)id;
    (void)unused;
    FILE *f = out_path[0] ? fopen(out_path, "w") : stderr;
    if (!f)
        f = stderr;
    fprintf(f, "insns %" PRIu64 "\n", __atomic_load_n(&executed, __ATOMIC_RELAXED));
    if (f != stderr)
        fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info,
                                                               int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "out=", 4) == 0)
            snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit, NULL);
    return 0;
}
