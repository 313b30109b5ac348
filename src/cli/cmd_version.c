/* cmd_version.c: `fsweep version` (and `fsweep --version`): the version, git hash and engine id. */
#include "commands.h"
#include "engine_id.h"

#include <stdio.h>

#include "build_info.h"

int cmd_version(int argc, char **argv)
{
    FS_UNUSED(argc);
    FS_UNUSED(argv);
    printf("fsweep %s (git %s, engine %s)\n", FS_VERSION, FS_GIT_HASH, engine_id());
    return FS_EXIT_OK;
}
