#include "BuildFeatures.h"
#include "CPUFeatures.h"

// A macro the compiler defines expands to 1; one it does not stays its own
// name. So the first character of its spelled-out expansion says which, and
// the whole mask is a constant: the function runs on any CPU.
#define SPELLED(macro) #macro
#define VALUE(macro) SPELLED(macro)

unsigned long long rnnscope_build_cpu_features(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned long long bits = 0;
    int bit = 0;
#define USED(name, macro) bits |= (unsigned long long)(VALUE(macro)[0] == '1') << bit++;
    RNNSCOPE_CPU_FEATURES(USED)
    return bits;
#else
    return 0;
#endif
}
