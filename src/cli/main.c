/* main.c: dispatch `fsweep COMMAND [args]` to cmd_COMMAND. No numerics here. */
#include "commands.h"
#include "linalg.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} Command;

static const Command commands[] = {
#define FS_COMMAND(name, help) {#name, cmd_##name, help},
    FS_COMMAND_LIST
#undef FS_COMMAND
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fsweep COMMAND [options]   (fsweep COMMAND --help for details)\n\n"
               "Frequency-shortcut sweeps for image classifiers.\n\ncommands:\n");
    for (size_t i = 0; i < FS_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\noptions:\n  --help     this list\n  --version  version and git hash\n");
}

int main(int argc, char **argv)
{
    log_init();
    if (linalg_init() != FS_OK) {
        fprintf(stderr, "fsweep: %s\n", fs_last_error());
        return FS_EXIT_USAGE;
    }
    if (argc < 2) {
        usage(stderr);
        return FS_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return FS_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) cmd = "version";
    for (size_t i = 0; i < FS_ARRAY_LEN(commands); i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "fsweep: '%s' is not a command; see 'fsweep --help'\n", cmd);
    return FS_EXIT_USAGE;
}
