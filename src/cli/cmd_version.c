/* cmd_version.c: `fsweep version` (and `fsweep --version`): the version and git hash. */
#include "commands.h"

#include <stdio.h>

#include "build_info.h"

int cmd_version(int argc, char **argv)
{
    FS_UNUSED(argc);
    FS_UNUSED(argv);
    printf("fsweep %s (git %s)\n", FS_VERSION, FS_GIT_HASH);
    return FS_EXIT_OK;
}
