/* spectral.c: see spectral.h. The only file that includes fftw3.h. */
#include "spectral.h"

#include "util.h"

#include <fftw3.h>

const char *spectral_library_version(void) { return fftwf_version; }
